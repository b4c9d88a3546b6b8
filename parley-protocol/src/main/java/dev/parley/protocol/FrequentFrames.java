package dev.parley.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Hand-written JSON for the frames every message costs: the server writes {@code message},
 * {@code receipt}, {@code sent}, {@code ok}, {@code pong} and {@code synced} once per recipient
 * or request, and reads {@code send}, {@code ack}, {@code ping}, {@code typing}, {@code read}
 * and {@code sync}. Jackson's data binding reaches record accessors by reflection and builds
 * records through a property buffer; for these few fixed shapes a generator and a parser do the
 * same in a fraction of the time (see {@code CodecBench}).
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
    static boolean write(ServerFrame frame, JsonGenerator g) throws IOException {
        if (frame instanceof ServerFrame.MessageEvent f) {
            start(g, "message");
            g.writeNumberField("cursor", f.cursor());
            if (f.message() != null) {
                g.writeFieldName("message");
                writeMessage(f.message(), g);
            }
        } else if (frame instanceof ServerFrame.Sent f) {
            start(g, "sent");
            stringField(g, "id", f.id());
            stringField(g, "conv", f.conv());
            stringField(g, "clientMsgId", f.clientMsgId());
            stringField(g, "msgId", f.msgId());
            g.writeNumberField("seq", f.seq());
            g.writeNumberField("ts", f.ts());
            g.writeBooleanField("duplicate", f.duplicate());
        } else if (frame instanceof ServerFrame.Ok f) {
            start(g, "ok");
            stringField(g, "id", f.id());
        } else if (frame instanceof ServerFrame.ReceiptEvent f) {
            start(g, "receipt");
            g.writeNumberField("cursor", f.cursor());
            stringField(g, "conv", f.conv());
            stringField(g, "user", f.user());
            stringField(g, "status", f.status());
            g.writeNumberField("upTo", f.upTo());
            g.writeNumberField("ts", f.ts());
        } else if (frame instanceof ServerFrame.Pong f) {
            start(g, "pong");
            stringField(g, "id", f.id());
            g.writeNumberField("ts", f.ts());
        } else if (frame instanceof ServerFrame.Synced f) {
            start(g, "synced");
            stringField(g, "id", f.id());
            g.writeNumberField("from", f.from());
            g.writeNumberField("head", f.head());
        } else if (frame instanceof ServerFrame.Welcome f) {
            // Once per connection, but data binding it cost ~10 % of the server's connect CPU.
            start(g, "welcome");
            g.writeNumberField("protocol", f.protocol());
            stringField(g, "user", f.user());
            stringField(g, "device", f.device());
            stringField(g, "server", f.server());
            g.writeNumberField("heartbeatSeconds", f.heartbeatSeconds());
            if (f.limits() != null) {
                g.writeObjectFieldStart("limits");
                for (var e : f.limits().entrySet()) {
                    g.writeFieldName(e.getKey());
                    if (e.getValue() == null) {
                        g.writeNull();
                    } else {
                        g.writeNumber(e.getValue());
                    }
                }
                g.writeEndObject();
            }
        } else {
            return false;
        }
        g.writeEndObject();
        return true;
    }

    private static void start(JsonGenerator g, String type) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", type);
    }

    private static void writeMessage(ServerFrame.MessageView m, JsonGenerator g) throws IOException {
        g.writeStartObject();
        stringField(g, "conv", m.conv());
        g.writeNumberField("seq", m.seq());
        stringField(g, "msgId", m.msgId());
        stringField(g, "from", m.from());
        stringField(g, "fromDevice", m.fromDevice());
        stringField(g, "clientMsgId", m.clientMsgId());
        g.writeNumberField("ts", m.ts());
        stringField(g, "body", m.body());
        stringField(g, "contentType", m.contentType());
        g.writeEndObject();
    }

    /** A string field, left out when null (the frames' {@code NON_NULL} inclusion). */
    private static void stringField(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
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
