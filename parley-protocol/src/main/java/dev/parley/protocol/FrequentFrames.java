package dev.parley.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Hand-written JSON for the frames every message costs: the server writes {@code message},
 * {@code receipt}, {@code sent}, {@code ok}, {@code pong} and {@code synced} once per recipient
 * or request, and reads {@code send}, {@code ack}, {@code ping}, {@code typing}, {@code read}
 * and {@code sync}. Jackson's data binding reaches record accessors by reflection and builds
 * records through a property buffer; for these few fixed shapes {@link JsonBytes} and a parser do
 * the same in a fraction of the time (see {@code CodecBench}).
 *
 * <p>The output is byte for byte what data binding writes (field order of the record, nulls
 * left out) and a decoded frame equals data binding's; {@code FrameCodecTest} checks both. Only
 * well-typed input is read here: a field with the wrong JSON type, or anything unusual, makes
 * {@link Scanned#decode} give up so that data binding decodes the frame and reports the error,
 * with the same code and message as before.
 */
final class FrequentFrames {
    private FrequentFrames() {
    }

    /** Whether {@link #write} writes this frame. */
    static boolean handles(ServerFrame frame) {
        return frame instanceof ServerFrame.MessageEvent || frame instanceof ServerFrame.Sent
                || frame instanceof ServerFrame.Ok || frame instanceof ServerFrame.ReceiptEvent
                || frame instanceof ServerFrame.Pong || frame instanceof ServerFrame.Synced
                || frame instanceof ServerFrame.Welcome;
    }

    /** Writes {@code frame} if it is one that {@link #handles}; returns false, writing nothing, otherwise. */
    static boolean write(ServerFrame frame, JsonBytes g) {
        if (frame instanceof ServerFrame.MessageEvent f) {
            start(g, "message");
            g.numberField("cursor", f.cursor());
            if (f.message() != null) {
                g.name("message");
                writeMessage(f.message(), g);
            }
        } else if (frame instanceof ServerFrame.Sent f) {
            start(g, "sent");
            g.stringField("id", f.id());
            g.stringField("conv", f.conv());
            g.stringField("clientMsgId", f.clientMsgId());
            g.stringField("msgId", f.msgId());
            g.numberField("seq", f.seq());
            g.numberField("ts", f.ts());
            g.booleanField("duplicate", f.duplicate());
        } else if (frame instanceof ServerFrame.Ok f) {
            start(g, "ok");
            g.stringField("id", f.id());
        } else if (frame instanceof ServerFrame.ReceiptEvent f) {
            start(g, "receipt");
            g.numberField("cursor", f.cursor());
            g.stringField("conv", f.conv());
            g.stringField("user", f.user());
            g.stringField("status", f.status());
            g.numberField("upTo", f.upTo());
            g.numberField("ts", f.ts());
        } else if (frame instanceof ServerFrame.Pong f) {
            start(g, "pong");
            g.stringField("id", f.id());
            g.numberField("ts", f.ts());
        } else if (frame instanceof ServerFrame.Synced f) {
            start(g, "synced");
            g.stringField("id", f.id());
            g.numberField("from", f.from());
            g.numberField("head", f.head());
        } else if (frame instanceof ServerFrame.Welcome f) {
            // Once per connection, but data binding it cost ~10 % of the server's connect CPU.
            start(g, "welcome");
            g.numberField("protocol", f.protocol());
            g.stringField("user", f.user());
            g.stringField("device", f.device());
            g.stringField("server", f.server());
            g.numberField("heartbeatSeconds", f.heartbeatSeconds());
            if (f.limits() != null) {
                g.name("limits");
                g.startObject();
                for (var e : f.limits().entrySet()) {
                    g.name(e.getKey());
                    if (e.getValue() == null) {
                        g.nullValue();
                    } else {
                        g.number(e.getValue());
                    }
                }
                g.endObject();
            }
        } else {
            return false;
        }
        g.endObject();
        return true;
    }

    private static void start(JsonBytes g, String type) {
        g.startObject();
        g.stringField("type", type);
    }

    private static void writeMessage(ServerFrame.MessageView m, JsonBytes g) {
        g.startObject();
        g.stringField("conv", m.conv());
        g.numberField("seq", m.seq());
        g.stringField("msgId", m.msgId());
        g.stringField("from", m.from());
        g.stringField("fromDevice", m.fromDevice());
        g.stringField("clientMsgId", m.clientMsgId());
        g.numberField("ts", m.ts());
        g.stringField("body", m.body());
        g.stringField("contentType", m.contentType());
        g.endObject();
    }

    /**
     * The fields of a frequent client frame, gathered in the one streaming pass that also reads
     * {@code id} and {@code type}. A value of an unexpected JSON type sets {@link #unusual}.
     */
    static final class Scanned {
        String conv;
        String clientMsgId;
        String body;
        String contentType;
        String state;
        Long upTo;
        Long after;
        boolean unusual;

        /**
         * Takes the value of field {@code name} at the parser's current token, if it is one of
         * the frequent frames' fields; returns false when the field is not one of them.
         */
        boolean take(String name, JsonToken value, JsonParser p) throws IOException {
            switch (name) {
                case "conv" -> conv = text(value, p);
                case "clientMsgId" -> clientMsgId = text(value, p);
                case "body" -> body = text(value, p);
                case "contentType" -> contentType = text(value, p);
                case "state" -> state = text(value, p);
                case "upTo" -> upTo = number(value, p);
                case "after" -> after = number(value, p);
                default -> {
                    return false;
                }
            }
            return true;
        }

        private String text(JsonToken value, JsonParser p) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            unusual |= value != JsonToken.VALUE_NULL;
            return null;
        }

        private Long number(JsonToken value, JsonParser p) throws IOException {
            if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                    || value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG) {
                return p.getLongValue();
            }
            unusual |= value != JsonToken.VALUE_NULL;
            return null;
        }

        /** The frame of {@code type} built from these fields, or null when data binding must decode it. */
        ClientFrame decode(String type, String id) {
            if (unusual) {
                return null;
            }
            return switch (type) {
                case "send" -> new ClientFrame.Send(id, conv, clientMsgId, body, contentType);
                case "ack" -> new ClientFrame.Ack(id, upTo);
                case "ping" -> new ClientFrame.Ping(id);
                case "typing" -> new ClientFrame.Typing(id, conv, state);
                case "read" -> new ClientFrame.Read(id, conv, upTo);
                case "sync" -> new ClientFrame.Sync(id, after);
                default -> null;
            };
        }
    }
}
