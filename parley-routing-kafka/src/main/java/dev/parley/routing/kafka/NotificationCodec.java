package dev.parley.routing.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSON values of the records on the server topics (version 1). Thread-safe.
 *
 * <p>An inbox notification carries the whole entry, so the receiving server can send it to a
 * device without reading the store:
 * <pre>{@code
 * {"v":1,"k":"inbox","user":"bob","cursor":42,"ts":"2025-06-01T12:00:00.123456Z",
 *  "event":{"type":"message","conv":"d:alice:bob","seq":7,"msgId":"m1","from":"alice","fromDevice":"d1",
 *           "clientMsgId":"c1","ts":"2025-06-01T12:00:00.123456Z","body":"hi","contentType":"text/plain"}}
 * "event":{"type":"receipt","conv":"d:alice:bob","user":"bob","kind":"read","upTo":7}
 * "event":{"type":"membership","conv":"g:x","change":"added","actor":"alice","users":["carol"],
 *          "conversation":{"id":"g:x","kind":"group","name":"Team","members":["alice","bob","carol"],
 *                          "createdBy":"alice","createdAt":"…","version":3}}
 * }</pre>
 * An ephemeral notification carries the frame as the wire protocol encodes it ({@link FrameCodec})
 * and the users of the receiving server it is for:
 * <pre>{@code
 * {"v":1,"k":"ephemeral","users":["bob","carol"],"frame":{"type":"typing","conv":"g:x","user":"alice","state":"composing"}}
 * }</pre>
 * Times are ISO-8601 instants, so they round-trip exactly (nanoseconds included). Decoding ignores
 * unknown fields, so a newer server may add some; a record of an unknown version or kind, or with a
 * required field missing, is refused with an {@link IllegalArgumentException}.
 */
final class NotificationCodec {
    static final int VERSION = 1;

    /** What a record says. */
    sealed interface Notification {
        /** A new entry in {@code entry.userId()}'s inbox. */
        record Inbox(InboxEntry entry) implements Notification {
        }

        /** An ephemeral frame for every connected device of each of {@code users}. */
        record Ephemeral(List<String> users, ServerFrame frame) implements Notification {
            public Ephemeral {
                users = List.copyOf(users);
            }
        }

        /** A device was revoked: the server holding its connection closes it. */
        record Revoked(String user, String device) implements Notification {
        }
    }

    private final FrameCodec frames = new FrameCodec();
    private final ObjectMapper mapper = frames.mapper();

    byte[] encode(Notification n) {
        ObjectNode root = mapper.createObjectNode();
        root.put("v", VERSION);
        if (n instanceof Notification.Inbox i) {
            InboxEntry e = i.entry();
            root.put("k", "inbox");
            root.put("user", e.userId());
            root.put("cursor", e.cursor());
            root.put("ts", e.timestamp().toString());
            root.set("event", event(e.event()));
        } else if (n instanceof Notification.Ephemeral eph) {
            root.put("k", "ephemeral");
            ArrayNode users = root.putArray("users");
            eph.users().forEach(users::add);
            try {
                root.set("frame", mapper.readTree(frames.encode(eph.frame())));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("the frame codec produced invalid JSON", ex);
            }
        } else if (n instanceof Notification.Revoked r) {
            root.put("k", "revoked");
            root.put("user", r.user());
            root.put("device", r.device());
        }
        try {
            return mapper.writeValueAsBytes(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode a notification", ex);
        }
    }

    byte[] encodeInbox(InboxEntry entry) {
        return encode(new Notification.Inbox(entry));
    }

    byte[] encodeEphemeral(List<String> users, ServerFrame frame) {
        return encode(new Notification.Ephemeral(users, frame));
    }

    /**
     * Decodes a record value.
     *
     * @throws IllegalArgumentException when it is not a notification this version understands
     */
    Notification decode(byte[] value) {
        JsonNode root;
        try {
            root = mapper.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("notification is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("notification must be a JSON object");
        }
        int v = root.path("v").asInt(-1);
        if (v != VERSION) {
            throw new IllegalArgumentException("unsupported notification version " + root.path("v"));
        }
        String kind = text(root, "k");
        switch (kind) {
            case "inbox":
                return new Notification.Inbox(new InboxEntry(text(root, "user"), number(root, "cursor"),
                        instant(root, "ts"), event(required(root, "event"))));
            case "ephemeral": {
                List<String> users = strings(root, "users");
                ServerFrame frame;
                try {
                    frame = frames.decodeServer(required(root, "frame").toString());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("ephemeral notification has a bad frame: " + e.getMessage(), e);
                }
                return new Notification.Ephemeral(users, frame);
            }
            case "revoked":
                return new Notification.Revoked(text(root, "user"), text(root, "device"));
            default:
                throw new IllegalArgumentException("unknown notification kind \"" + kind + "\"");
        }
    }

    // ---- events ------------------------------------------------------------------------------

    private ObjectNode event(InboxEvent event) {
        ObjectNode n = mapper.createObjectNode();
        if (event instanceof InboxEvent.MessageAdded m) {
            StoredMessage s = m.message();
            n.put("type", "message");
            n.put("conv", s.conversationId());
            n.put("seq", s.seq());
            n.put("msgId", s.messageId());
            n.put("from", s.senderId());
            n.put("fromDevice", s.senderDeviceId());
            n.put("clientMsgId", s.clientMsgId());
            n.put("ts", s.timestamp().toString());
            n.put("body", s.body());
            if (s.contentType() != null) {
                n.put("contentType", s.contentType());
            }
        } else if (event instanceof InboxEvent.ReceiptAdvanced r) {
            n.put("type", "receipt");
            n.put("conv", r.conversationId());
            n.put("user", r.userId());
            n.put("kind", r.kind().wire());
            n.put("upTo", r.upTo());
        } else if (event instanceof InboxEvent.MembershipChanged c) {
            n.put("type", "membership");
            n.put("conv", c.conversationId());
            n.put("change", c.change());
            n.put("actor", c.actorId());
            ArrayNode users = n.putArray("users");
            c.users().forEach(users::add);
            if (c.conversation() != null) {
                n.set("conversation", conversation(c.conversation()));
            }
        } else {
            throw new IllegalArgumentException("unknown inbox event " + event.getClass().getName());
        }
        return n;
    }

    private InboxEvent event(JsonNode n) {
        String type = text(n, "type");
        return switch (type) {
            case "message" -> new InboxEvent.MessageAdded(new StoredMessage(text(n, "conv"), number(n, "seq"),
                    text(n, "msgId"), text(n, "from"), text(n, "fromDevice"), text(n, "clientMsgId"), instant(n, "ts"),
                    text(n, "body"), optionalText(n, "contentType")));
            case "receipt" -> new InboxEvent.ReceiptAdvanced(text(n, "conv"), text(n, "user"),
                    receiptKind(text(n, "kind")), number(n, "upTo"));
            case "membership" -> new InboxEvent.MembershipChanged(text(n, "conv"), text(n, "change"),
                    optionalText(n, "actor"), strings(n, "users"),
                    n.hasNonNull("conversation") ? conversation(n.get("conversation")) : null);
            default -> throw new IllegalArgumentException("unknown inbox event type \"" + type + "\"");
        };
    }

    private ObjectNode conversation(Conversation c) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", c.id());
        n.put("kind", c.kind().name().toLowerCase(Locale.ROOT));
        n.put("name", c.name());
        ArrayNode members = n.putArray("members");
        c.members().forEach(members::add);
        n.put("createdBy", c.createdBy());
        n.put("createdAt", c.createdAt().toString());
        n.put("version", c.version());
        return n;
    }

    private Conversation conversation(JsonNode n) {
        Conversation.Kind kind;
        try {
            kind = Conversation.Kind.valueOf(text(n, "kind").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown conversation kind " + n.path("kind"), e);
        }
        return new Conversation(text(n, "id"), kind, text(n, "name"), strings(n, "members"), text(n, "createdBy"),
                instant(n, "createdAt"), number(n, "version"));
    }

    private static ReceiptKind receiptKind(String wire) {
        for (ReceiptKind k : ReceiptKind.values()) {
            if (k.wire().equals(wire)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown receipt kind \"" + wire + "\"");
    }

    // ---- fields ------------------------------------------------------------------------------

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("notification field \"" + field + "\" is missing");
        }
        return v;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = required(n, field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("notification field \"" + field + "\" must be a string");
        }
        return v.asText();
    }

    private static String optionalText(JsonNode n, String field) {
        return n.hasNonNull(field) ? text(n, field) : null;
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = required(n, field);
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("notification field \"" + field + "\" must be an integer");
        }
        return v.asLong();
    }

    private static Instant instant(JsonNode n, String field) {
        try {
            return Instant.parse(text(n, field));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("notification field \"" + field + "\" is not an ISO-8601 instant", e);
        }
    }

    private static List<String> strings(JsonNode n, String field) {
        JsonNode v = required(n, field);
        if (!v.isArray()) {
            throw new IllegalArgumentException("notification field \"" + field + "\" must be an array");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException("notification field \"" + field + "\" must hold strings");
            }
            out.add(item.asText());
        }
        return out;
    }
}
