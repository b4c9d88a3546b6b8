package dev.parley.bench;

import java.nio.charset.StandardCharsets;

/**
 * One conversation as seen by one connection: its id (as a string, characters and ASCII bytes
 * for matching and writing without allocation), the verifier of the sequence numbers delivered
 * to this connection, and, when this connection sends into it, what its {@code sent} replies said.
 *
 * <p>Confined to the connection's event loop, except the fields marked volatile, which the
 * runner polls while it drains.
 */
final class ConvSlot {
    final String conv;
    final char[] chars;
    final byte[] ascii;
    final SeqVerifier verifier = new SeqVerifier();
    /** Set by the runner: its per-conversation bookkeeping (a fan-out tracker), or null. */
    Object attachment;

    /** Highest sequence number delivered here; polled while draining. */
    volatile long delivered;
    /** {@code sent} replies received for sends into this conversation from this connection. */
    volatile long sentAcked;
    /** Highest sequence number a {@code sent} reply named. */
    volatile long maxSentSeq;
    /** {@code sent} replies to a first attempt flagged duplicate (client message ids are unique, so any is wrong). */
    long sentDuplicates;

    ConvSlot(String conv) {
        this.conv = conv;
        this.chars = conv.toCharArray();
        this.ascii = conv.getBytes(StandardCharsets.UTF_8);
    }
}
