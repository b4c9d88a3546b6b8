package dev.parley.store.rocksdb;

import dev.parley.core.account.Device;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Value encodings: a small hand-written binary format (see {@code package-info.java}). Records
 * start with a format byte so a later version can change a layout and still read old values.
 * Strings are {@code i32} length (-1 for null) + UTF-8; instants are {@code i64} epoch seconds +
 * {@code i32} nanos; enums are written by name so reordering constants never corrupts data.
 */
final class Codec {
    private static final byte V1 = 1;
    /** Conversation format 2 adds the admins after the format 1 fields. */
    private static final byte CONVERSATION_V2 = 2;

    static final byte INBOX_MESSAGE = 1;
    static final byte INBOX_RECEIPT = 2;
    /** Format 1 of a membership change, which copied the whole conversation: read, never written. */
    static final byte INBOX_MEMBERSHIP_WITH_SNAPSHOT = 3;
    static final byte INBOX_MEMBERSHIP = 4;

    private Codec() {
    }

    // ---- accounts

    static byte[] user(User u) {
        return new Writer().u8(V1).str(u.id()).str(u.passwordHash()).str(u.lastSeenPrivacy().name())
                .instant(u.createdAt()).bytes();
    }

    static User user(byte[] v) {
        Reader r = new Reader(v).version();
        return new User(r.str(), r.str(), LastSeenPrivacy.valueOf(r.str()), r.instant());
    }

    static byte[] device(Device d) {
        return new Writer().u8(V1).str(d.userId()).str(d.deviceId()).str(d.name()).str(d.tokenHash())
                .instant(d.createdAt()).str(d.pushProvider()).str(d.pushTarget()).bytes();
    }

    static Device device(byte[] v) {
        Reader r = new Reader(v).version();
        return new Device(r.str(), r.str(), r.str(), r.str(), r.instant(), r.str(), r.str());
    }

    // ---- conversations

    static byte[] conversation(Conversation c) {
        return writeConversation(new Writer().u8(CONVERSATION_V2), c).strs(c.admins()).bytes();
    }

    static Conversation conversation(byte[] v) {
        Reader r = new Reader(v);
        byte format = r.u8();
        if (format == V1) {
            return readConversation(r);
        }
        if (format != CONVERSATION_V2) {
            throw new IllegalStateException("unknown conversation format " + format);
        }
        Conversation c = readConversation(r);
        return new Conversation(c.id(), c.kind(), c.name(), c.members(), c.createdBy(), c.createdAt(), c.version(),
                r.strs());
    }

    private static Writer writeConversation(Writer w, Conversation c) {
        return w.str(c.id()).str(c.kind().name()).str(c.name()).strs(c.members()).str(c.createdBy())
                .instant(c.createdAt()).i64(c.version());
    }

    private static Conversation readConversation(Reader r) {
        return new Conversation(r.str(), Conversation.Kind.valueOf(r.str()), r.str(), r.strs(), r.str(),
                r.instant(), r.i64());
    }

    // ---- message log

    /** The conversation id and sequence number live in the key and are not repeated here. */
    static byte[] message(StoredMessage m) {
        return new Writer().u8(V1).instant(m.timestamp()).str(m.senderId()).str(m.senderDeviceId())
                .str(m.messageId()).str(m.clientMsgId()).str(m.contentType()).str(m.body()).bytes();
    }

    static StoredMessage message(String conversationId, long seq, byte[] v) {
        Reader r = new Reader(v).version();
        Instant ts = r.instant();
        String senderId = r.str();
        String senderDeviceId = r.str();
        String messageId = r.str();
        String clientMsgId = r.str();
        String contentType = r.str();
        String body = r.str();
        return new StoredMessage(conversationId, seq, messageId, senderId, senderDeviceId, clientMsgId, ts, body,
                contentType);
    }

    /** Decodes only the timestamp (it comes first, for the history binary search). */
    static Instant messageTimestamp(byte[] v) {
        return new Reader(v).version().instant();
    }

    /** Decodes only the sender (it follows the timestamp, for the receipt range scan). */
    static String messageSender(byte[] v) {
        Reader r = new Reader(v).version();
        r.instant();
        return r.str();
    }

    static byte[] messageRef(String conversationId, long seq) {
        return new Writer().str(conversationId).i64(seq).bytes();
    }

    /** The (conversation id, seq) of an idempotency value. */
    static MessageRef messageRef(byte[] v) {
        Reader r = new Reader(v);
        return new MessageRef(r.str(), r.i64());
    }

    record MessageRef(String conversationId, long seq) {
    }

    // ---- inbox

    static byte[] inboxMessage(Instant ts, String conversationId, long seq) {
        return new Writer().u8(INBOX_MESSAGE).instant(ts).str(conversationId).i64(seq).bytes();
    }

    static byte[] inboxEvent(Instant ts, InboxEvent event) {
        if (event instanceof InboxEvent.MessageAdded m) {
            return inboxMessage(ts, m.conversationId(), m.message().seq());
        }
        if (event instanceof InboxEvent.ReceiptAdvanced r) {
            return new Writer().u8(INBOX_RECEIPT).instant(ts).str(r.conversationId()).str(r.userId())
                    .str(r.kind().name()).i64(r.upTo()).bytes();
        }
        InboxEvent.MembershipChanged c = (InboxEvent.MembershipChanged) event;
        return new Writer().u8(INBOX_MEMBERSHIP).instant(ts).str(c.conversationId()).str(c.change())
                .str(c.actorId()).strs(c.users()).str(c.name()).i64(c.version()).bytes();
    }

    /** An inbox value: either a full event, or a reference to a message still to be resolved. */
    record InboxValue(Instant timestamp, InboxEvent event, String refConversationId, long refSeq) {
        boolean isMessageRef() {
            return event == null;
        }
    }

    static InboxValue inbox(byte[] v) {
        Reader r = new Reader(v);
        byte tag = r.u8();
        Instant ts = r.instant();
        switch (tag) {
            case INBOX_MESSAGE:
                return new InboxValue(ts, null, r.str(), r.i64());
            case INBOX_RECEIPT:
                return new InboxValue(ts, new InboxEvent.ReceiptAdvanced(r.str(), r.str(),
                        ReceiptKind.valueOf(r.str()), r.i64()), null, 0);
            case INBOX_MEMBERSHIP:
                return new InboxValue(ts, new InboxEvent.MembershipChanged(r.str(), r.str(), r.str(), r.strs(),
                        r.str(), r.i64()), null, 0);
            case INBOX_MEMBERSHIP_WITH_SNAPSHOT: {
                String conv = r.str();
                String change = r.str();
                String actor = r.str();
                List<String> users = r.strs();
                Conversation c = r.u8() == 0 ? null : readConversation(r);
                String name = c != null && ("created".equals(change) || "renamed".equals(change)) ? c.name() : null;
                return new InboxValue(ts, new InboxEvent.MembershipChanged(conv, change, actor, users, name,
                        c == null ? 0 : c.version()), null, 0);
            }
            default:
                throw new IllegalStateException("unknown inbox entry tag " + tag);
        }
    }

    /** Decodes only the entry's timestamp (used by pruning). */
    static Instant inboxTimestamp(byte[] v) {
        Reader r = new Reader(v);
        r.u8();
        return r.instant();
    }

    // ---- contacts

    static byte[] groupAddPolicy(GroupAddPolicy p) {
        return new Writer().u8(V1).str(p.name()).bytes();
    }

    static GroupAddPolicy groupAddPolicy(byte[] v) {
        return GroupAddPolicy.valueOf(new Reader(v).version().str());
    }

    // ---- small values

    static byte[] watermarks(Watermarks w) {
        return new Writer().i64(w.deliveredUpTo()).i64(w.readUpTo()).bytes();
    }

    static Watermarks watermarks(byte[] v) {
        Reader r = new Reader(v);
        return new Watermarks(r.i64(), r.i64());
    }

    static byte[] u64(long v) {
        return new Writer().i64(v).bytes();
    }

    static long u64(byte[] v) {
        return new Reader(v).i64();
    }

    // ---- primitives

    private static final class Writer {
        private byte[] buf = new byte[128];
        private int len;

        Writer u8(byte b) {
            ensure(1);
            buf[len++] = b;
            return this;
        }

        Writer i32(int v) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                buf[len++] = (byte) (v >>> shift);
            }
            return this;
        }

        Writer i64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[len++] = (byte) (v >>> shift);
            }
            return this;
        }

        Writer str(String s) {
            if (s == null) {
                return i32(-1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i32(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        Writer strs(List<String> list) {
            i32(list.size());
            for (String s : list) {
                str(s);
            }
            return this;
        }

        Writer instant(Instant t) {
            return i64(t.getEpochSecond()).i32(t.getNano());
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, len);
        }

        private void ensure(int extra) {
            if (len + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
            }
        }
    }

    private static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        Reader version() {
            byte v = u8();
            if (v != V1) {
                throw new IllegalStateException("unknown value format " + v);
            }
            return this;
        }

        byte u8() {
            return buf[pos++];
        }

        int i32() {
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        long i64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        String str() {
            int n = i32();
            if (n < 0) {
                return null;
            }
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        List<String> strs() {
            int n = i32();
            List<String> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(str());
            }
            return list;
        }

        Instant instant() {
            long seconds = i64();
            return Instant.ofEpochSecond(seconds, i32());
        }
    }
}
