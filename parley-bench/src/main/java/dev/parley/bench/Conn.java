package dev.parley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client WebSocket connection of the load generator: the last handler of its pipeline.
 *
 * <p>It does what every Parley client does whatever the scenario: waits for {@code welcome},
 * tracks inbox cursors (a cursor at or below the last one is a duplicate, one that skips is a
 * gap), acknowledges the inbox at the end of every read batch, feeds each delivered message's
 * sequence number to its conversation's {@link SeqVerifier}, sends a request refused with a
 * retryable error again after a backoff (a send unchanged, so the server stores it once), and
 * counts every other error frame. Everything scenario-specific is left to its {@link Listener}.
 *
 * <p>Threading: every method except {@link #outstanding()} and the volatile state runs on the
 * channel's event loop; callers on other threads go through {@link #execute}.
 *
 * <p>Over 400 lines on purpose: the hot-path frames are written byte by byte here and read into
 * reused fields, one object per connection, so that the load generator stays cheap beside the
 * server (docs/BENCHMARKS.md); helpers of their own would be objects or indirections per frame.
 */
final class Conn extends ChannelInboundHandlerAdapter {

    /** Scenario callbacks, all on the connection's event loop. */
    interface Listener {
        /** {@code welcome} arrived: the connection is authenticated. */
        void onOpen(Conn c);

        /** The connection failed before it was open (connect, upgrade or authentication). */
        void onFailed(Conn c, String reason);

        /** An open connection closed without {@link #close()} having been called. */
        void onLost(Conn c, String reason);

        /** A new conversation appeared on this connection (attach bookkeeping to the slot). */
        default void onSlot(Conn c, ConvSlot slot) {
        }

        /** A message was delivered (already checked by the slot's verifier). */
        default void onMessage(Conn c, ConvSlot slot, long seq, boolean fromSelf, long sentMicros, long nowMicros) {
        }

        /** A {@code sent} reply arrived for a send of this connection. */
        default void onSent(Conn c, ConvSlot slot, long seq) {
        }

        default void onPong(Conn c, long pingMicros, long nowMicros) {
        }

        /** The reply to {@link #allowGroupAdds}. */
        default void onGroupAddsAllowed(Conn c) {
        }

        /** The reply to {@link #openDirect} or {@link #createGroup}. */
        default void onConversation(Conn c, ConvSlot slot) {
        }

        default void onSynced(Conn c) {
        }

        default void onError(Conn c, char requestKind, String code, String text) {
        }

        /** A request refused with a retryable error will be sent again (the same message: same clientMsgId). */
        default void onRetry(Conn c, char requestKind, String code) {
        }

        /** The end of a read batch, after the inbox acknowledgement was written; writes are flushed after it. */
        default void onReadComplete(Conn c) {
        }
    }

    enum State { CONNECTING, OPEN, CLOSING, CLOSED, FAILED }

    private static final byte[] SEND_1 = ascii("{\"type\":\"send\",\"id\":\"m");
    private static final byte[] SEND_2 = ascii("\",\"conv\":\"");
    private static final byte[] SEND_3 = ascii("\",\"clientMsgId\":\"c");
    private static final byte[] SEND_4 = ascii("\",\"body\":\"");
    private static final byte[] END = ascii("\"}");
    private static final byte[] ACK_1 = ascii("{\"type\":\"ack\",\"id\":\"a");
    private static final byte[] ACK_2 = ascii("\",\"upTo\":");
    private static final byte[] PING_1 = ascii("{\"type\":\"ping\",\"id\":\"p");
    private static final byte[] PADDING = ascii("x".repeat(4096));

    private static final FastThreadLocal<Inbound> INBOUND = new FastThreadLocal<>() {
        @Override
        protected Inbound initialValue() {
            return new Inbound();
        }
    };
    private static final FastThreadLocal<byte[][]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[][] initialValue() {
            return new byte[][] {new byte[4096]};
        }
    };

    private final Cred cred;
    final char[] userChars;
    private final Listener listener;
    /** Free for the runner: per-connection scenario state. */
    Object attachment;

    private Channel channel;
    private volatile State state = State.CONNECTING;
    long connectStartMicros;
    long openMicros;
    int heartbeatSeconds;

    private long lastCursor = -1;
    private long ackedCursor;
    private boolean acking;
    private long nextId;
    private long pingMicros;
    private volatile int outstanding;
    private boolean needsFlush;
    /** Sends without a reply yet, by request number: what a retry needs to send the same message again. */
    private final Map<Long, PendingSend> pendingSends = new HashMap<>();

    private ConvSlot[] slots = new ConvSlot[2];
    private int slotCount;

    /** A send waiting for its reply; {@code attempts} so far. */
    private record PendingSend(ConvSlot slot, long sentMicros, int bodyBytes, int attempts) {
    }

    /** Most attempts of one request refused with retryable errors (a client backs off and tries again). */
    static final int MAX_ATTEMPTS = 6;

    private long ackRetries;
    long inboxGaps;
    long inboxDuplicates;
    long errors;
    String firstError;

    Cred cred() {
        return cred;
    }

    Conn(Cred cred, Listener listener) {
        this.cred = cred;
        this.userChars = cred.user().toCharArray();
        this.listener = listener;
    }

    State state() {
        return state;
    }

    /** Sends awaiting their {@code sent} reply; safe from any thread. */
    int outstanding() {
        return outstanding;
    }

    Channel channel() {
        return channel;
    }

    /** Runs {@code task} on this connection's event loop. */
    void execute(Runnable task) {
        Channel ch = channel;
        if (ch != null) {
            ch.eventLoop().execute(task);
        }
    }

    ConvSlot[] slots() {
        ConvSlot[] copy = new ConvSlot[slotCount];
        System.arraycopy(slots, 0, copy, 0, slotCount);
        return copy;
    }

    /** Finds or creates the slot of {@code conv}. */
    ConvSlot slot(String conv) {
        for (int i = 0; i < slotCount; i++) {
            if (slots[i].conv.equals(conv)) {
                return slots[i];
            }
        }
        return addSlot(new ConvSlot(conv));
    }

    private ConvSlot slot(char[] c, int len) {
        for (int i = 0; i < slotCount; i++) {
            if (Inbound.equals(c, len, slots[i].chars)) {
                return slots[i];
            }
        }
        return addSlot(new ConvSlot(new String(c, 0, len)));
    }

    private ConvSlot addSlot(ConvSlot s) {
        if (slotCount == slots.length) {
            ConvSlot[] bigger = new ConvSlot[slotCount * 2];
            System.arraycopy(slots, 0, bigger, 0, slotCount);
            slots = bigger;
        }
        slots[slotCount++] = s;
        listener.onSlot(this, s);
        return s;
    }

    // ---- requests (event loop) -------------------------------------------------------------

    /** Writes {@code send} of a body of {@code bodyBytes} that starts with {@code sentMicros}. */
    void send(ConvSlot slot, long sentMicros, int bodyBytes) {
        long n = ++nextId;
        pendingSends.put(n, new PendingSend(slot, sentMicros, bodyBytes, 1));
        outstanding++;
        writeSend(n, slot, sentMicros, bodyBytes);
    }

    /** Request {@code n}'s frame: its id and clientMsgId are both {@code n}, so a retry is the same message. */
    private void writeSend(long n, ConvSlot slot, long sentMicros, int bodyBytes) {
        ByteBuf b = channel.alloc().buffer(96 + slot.ascii.length + bodyBytes);
        b.writeBytes(SEND_1);
        writeLong(b, n);
        b.writeBytes(SEND_2);
        b.writeBytes(slot.ascii);
        b.writeBytes(SEND_3);
        writeLong(b, n);
        b.writeBytes(SEND_4);
        int start = b.writerIndex();
        writeLong(b, sentMicros);
        int pad = bodyBytes - (b.writerIndex() - start);
        if (pad > 0) {
            b.writeByte(':');
            for (int left = pad - 1; left > 0; left -= PADDING.length) {
                b.writeBytes(PADDING, 0, Math.min(left, PADDING.length));
            }
        }
        b.writeBytes(END);
        write(b);
    }

    void openDirect(String user) {
        write(text("{\"type\":\"open_direct\",\"id\":\"o" + (++nextId) + "\",\"user\":\"" + user + "\"}"));
    }

    /**
     * Lets anyone add this user to a group ({@code groupAdd: everyone}; the default, contacts,
     * would refuse the run's group creators); {@link Listener#onGroupAddsAllowed} on the reply.
     */
    void allowGroupAdds() {
        write(text("{\"type\":\"set_privacy\",\"id\":\"p" + (++nextId) + "\",\"groupAdd\":\"everyone\"}"));
    }

    void createGroup(String name, java.util.List<String> members) {
        StringBuilder sb = new StringBuilder("{\"type\":\"create_group\",\"id\":\"g").append(++nextId)
                .append("\",\"name\":\"").append(name).append("\",\"members\":[");
        for (int i = 0; i < members.size(); i++) {
            sb.append(i == 0 ? "\"" : ",\"").append(members.get(i)).append('"');
        }
        write(text(sb.append("]}").toString()));
    }

    void sync() {
        acking = true;
        write(text("{\"type\":\"sync\",\"id\":\"s\"}"));
    }

    void ping() {
        pingMicros = Micros.now();
        ByteBuf b = channel.alloc().buffer(48);
        b.writeBytes(PING_1);
        writeLong(b, ++nextId);
        b.writeBytes(END);
        write(b);
    }

    /** Flushes what was written outside a read batch. */
    void flush() {
        if (needsFlush && channel != null) {
            needsFlush = false;
            channel.flush();
        }
    }

    /** Closes with status 1000; the close is not counted as a loss. Any thread. */
    void close() {
        Channel ch = channel;
        if (ch == null) {
            state = State.CLOSED;
            return;
        }
        ch.eventLoop().execute(() -> {
            if (state == State.OPEN || state == State.CONNECTING) {
                state = State.CLOSING;
                if (ch.isActive()) {
                    ch.writeAndFlush(new CloseWebSocketFrame(1000, "bench done"))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    ch.close();
                }
            }
        });
    }

    private void write(ByteBuf b) {
        channel.write(new TextWebSocketFrame(b), channel.voidPromise());
        needsFlush = true;
    }

    private ByteBuf text(String s) {
        return io.netty.buffer.ByteBufUtil.writeUtf8(channel.alloc(), s);
    }

    // ---- Netty (event loop) ----------------------------------------------------------------

    /** Called by the bootstrap before connecting. */
    void bind(Channel ch) {
        this.channel = ch;
    }

    /** The TCP connect failed. */
    void connectFailed(Throwable cause) {
        fail("connect: " + describe(cause));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof TextWebSocketFrame frame)) {
            onControlFrame(ctx, msg);
            return;
        }
        Inbound in = INBOUND.get();
        try {
            ByteBuf content = frame.content();
            int len = content.readableBytes();
            byte[][] holder = SCRATCH.get();
            if (holder[0].length < len) {
                holder[0] = new byte[Math.max(len, holder[0].length * 2)];
            }
            content.getBytes(content.readerIndex(), holder[0], 0, len);
            in.parse(holder[0], len);
        } catch (java.io.IOException e) {
            errors++;
            if (firstError == null) {
                firstError = "unparseable frame: " + e.getMessage();
            }
            return;
        } finally {
            frame.release();
        }
        dispatch(in);
    }

    /**
     * As Netty's client protocol handler did: a ping is answered with a pong carrying its data, the
     * server's close frame closes the connection, pongs and binary frames are dropped.
     */
    private void onControlFrame(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()), ctx.voidPromise());
        } else if (msg instanceof CloseWebSocketFrame close) {
            close.release();
            ctx.close();
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private void dispatch(Inbound in) {
        if (in.cursor >= 0) {
            if (lastCursor >= 0 && in.cursor <= lastCursor) {
                inboxDuplicates++;
                return; // a client drops an entry it has seen; counted, never processed twice
            }
            if (lastCursor >= 0 && in.cursor > lastCursor + 1) {
                inboxGaps++;
            }
            lastCursor = in.cursor;
        }
        switch (in.type) {
            case MESSAGE -> {
                ConvSlot s = slot(in.conv, in.convLen);
                s.verifier.accept(in.seq);
                s.delivered = s.verifier.highest();
                boolean fromSelf = Inbound.equals(in.from, in.fromLen, userChars);
                listener.onMessage(this, s, in.seq, fromSelf, in.bodyMicros, Micros.now());
            }
            case SENT -> {
                outstanding--;
                PendingSend p = pendingSends.remove(in.idNum);
                ConvSlot s = slot(in.conv, in.convLen);
                if (in.duplicate && (p == null || p.attempts() == 1)) {
                    // A retry may rightly be answered "duplicate" (the refused attempt was stored after all); a first attempt never.
                    s.sentDuplicates++;
                }
                s.sentAcked = s.sentAcked + 1;
                if (in.seq > s.maxSentSeq) {
                    s.maxSentSeq = in.seq;
                }
                listener.onSent(this, s, in.seq);
            }
            case PONG -> listener.onPong(this, pingMicros, Micros.now());
            case WELCOME -> {
                heartbeatSeconds = in.heartbeatSeconds;
                openMicros = Micros.now();
                state = State.OPEN;
                listener.onOpen(this);
            }
            case CONVERSATION -> listener.onConversation(this, slot(in.convId));
            case SYNCED -> listener.onSynced(this);
            case ERROR -> {
                if (in.retryable && retryLater(in.idKind, in.idNum)) {
                    listener.onRetry(this, in.idKind, in.code);
                    return;
                }
                errors++;
                if (in.idKind == 'm') {
                    outstanding--;
                    pendingSends.remove(in.idNum);
                }
                if (firstError == null) {
                    firstError = in.code + ": " + in.text;
                }
                listener.onError(this, in.idKind, in.code, in.text);
            }
            case OK -> {
                if (in.idKind == 'p') {
                    listener.onGroupAddsAllowed(this);
                }
                // other oks (acks): nothing to do
            }
            default -> {
                // receipts, membership and presence events: cursor tracked above
            }
        }
    }

    /**
     * Schedules request {@code n} again after a backoff, as the protocol asks of a client whose
     * request got a retryable error: a send goes again unchanged (same clientMsgId, so the server
     * stores it once), an acknowledgement goes again for the highest cursor acknowledged so far
     * (acknowledgements are cumulative). False when it is not ours to retry or has been tried enough.
     */
    private boolean retryLater(char kind, long n) {
        int attempt;
        Runnable again;
        if (kind == 'm') {
            PendingSend p = pendingSends.get(n);
            if (p == null || p.attempts() >= MAX_ATTEMPTS) {
                return false;
            }
            PendingSend next = new PendingSend(p.slot(), p.sentMicros(), p.bodyBytes(), p.attempts() + 1);
            pendingSends.put(n, next);
            attempt = p.attempts();
            again = () -> writeSend(n, next.slot(), next.sentMicros(), next.bodyBytes());
        } else if (kind == 'a') {
            if (++ackRetries > MAX_ATTEMPTS * 100L) {
                return false;
            }
            attempt = 1;
            again = () -> writeAck(ackedCursor);
        } else {
            return false;
        }
        long delayMillis = 100L << Math.min(attempt, 5); // 200 ms, 400 ms, ... 3.2 s
        channel.eventLoop().schedule(() -> {
            if (state == State.OPEN) {
                again.run();
                flush();
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
        return true;
    }

    private void writeAck(long upTo) {
        ByteBuf b = channel.alloc().buffer(48);
        b.writeBytes(ACK_1);
        writeLong(b, ++nextId);
        b.writeBytes(ACK_2);
        writeLong(b, upTo);
        b.writeByte('}');
        write(b);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (acking && lastCursor > ackedCursor && state == State.OPEN) {
            ackedCursor = lastCursor;
            writeAck(ackedCursor);
        }
        listener.onReadComplete(this);
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        State s = state;
        if (s == State.OPEN) {
            state = State.CLOSED;
            listener.onLost(this, "closed by the server");
        } else if (s == State.CONNECTING) {
            fail("closed before welcome");
        } else if (s == State.CLOSING) {
            state = State.CLOSED;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.CONNECTING) {
            fail(describe(cause));
        } else if (state == State.OPEN) {
            state = State.CLOSED;
            listener.onLost(this, describe(cause));
        }
        ctx.close();
    }

    private void fail(String reason) {
        if (state == State.CONNECTING) {
            state = State.FAILED;
            listener.onFailed(this, reason);
        }
    }

    private static String describe(Throwable t) {
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        m = m == null ? "" : m.replaceAll("[0-9]+", "N"); // group failures by kind, not by port or address
        return t.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + (m.length() > 120 ? m.substring(0, 120) : m));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes a non-negative decimal without allocating. */
    static void writeLong(ByteBuf b, long v) {
        if (v < 0) {
            b.writeByte('-');
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        int at = b.writerIndex();
        b.ensureWritable(digits);
        for (int i = digits - 1; i >= 0; i--) {
            b.setByte(at + i, (int) ('0' + v % 10));
            v /= 10;
        }
        b.writerIndex(at + digits);
    }
}
