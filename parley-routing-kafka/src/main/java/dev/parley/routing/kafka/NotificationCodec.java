package dev.parley.routing.kafka;

import static dev.parley.routing.kafka.DomainJson.instant;
import static dev.parley.routing.kafka.DomainJson.number;
import static dev.parley.routing.kafka.DomainJson.required;
import static dev.parley.routing.kafka.DomainJson.strings;
import static dev.parley.routing.kafka.DomainJson.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.io.IOException;
import java.util.List;

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
    private final DomainJson json = new DomainJson(mapper);

    byte[] encode(Notification n) {
        ObjectNode root = mapper.createObjectNode();
        root.put("v", VERSION);
        if (n instanceof Notification.Inbox i) {
            InboxEntry e = i.entry();
            root.put("k", "inbox");
            root.put("user", e.userId());
            root.put("cursor", e.cursor());
            root.put("ts", e.timestamp().toString());
            root.set("event", json.event(e.event()));
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
                        instant(root, "ts"), json.event(DomainJson.required(root, "event"))));
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

}
