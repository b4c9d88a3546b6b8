package dev.parley.routing.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSON form of the domain values that travel through Kafka (inbox events, messages,
 * conversations), shared by the notification records and the conversation log's records.
 * Times are ISO-8601 instants, so they round-trip exactly. Decoding refuses a missing or
 * mistyped field with an {@link IllegalArgumentException}. Thread-safe.
 */
public final class DomainJson {
    private final ObjectMapper mapper;

    public DomainJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    // ---- events ------------------------------------------------------------------------------

    public ObjectNode event(InboxEvent event) {
        ObjectNode n = mapper.createObjectNode();
        if (event instanceof InboxEvent.MessageAdded m) {
            n.put("type", "message");
            message(n, m.message());
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
            if (c.name() != null) {
                n.put("name", c.name());
            }
            n.put("version", c.version());
        } else {
            throw new IllegalArgumentException("unknown inbox event " + event.getClass().getName());
        }
        return n;
    }

    public InboxEvent event(JsonNode n) {
        String type = text(n, "type");
        return switch (type) {
            case "message" -> new InboxEvent.MessageAdded(message(n));
            case "receipt" -> new InboxEvent.ReceiptAdvanced(text(n, "conv"), text(n, "user"),
                    receiptKind(text(n, "kind")), number(n, "upTo"));
            case "membership" -> membership(n);
            default -> throw new IllegalArgumentException("unknown inbox event type \"" + type + "\"");
        };
    }

    /**
     * A membership change: only the change. Records written before carried the whole conversation
     * instead of {@code name} and {@code version}; they are still read.
     */
    private InboxEvent.MembershipChanged membership(JsonNode n) {
        String change = text(n, "change");
        String name = optionalText(n, "name");
        long version = n.has("version") ? number(n, "version") : 0;
        if (n.hasNonNull("conversation") && !n.has("version")) {
            Conversation c = conversation(n.get("conversation"));
            version = c.version();
            name = "created".equals(change) || "renamed".equals(change) ? c.name() : null;
        }
        return new InboxEvent.MembershipChanged(text(n, "conv"), change, optionalText(n, "actor"), strings(n, "users"),
                name, version);
    }

    /** Writes the message's fields into {@code n}. */
    public static void message(ObjectNode n, StoredMessage s) {
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
    }

    public static StoredMessage message(JsonNode n) {
        return new StoredMessage(text(n, "conv"), number(n, "seq"), text(n, "msgId"), text(n, "from"),
                text(n, "fromDevice"), text(n, "clientMsgId"), instant(n, "ts"), text(n, "body"),
                optionalText(n, "contentType"));
    }

    public ObjectNode conversation(Conversation c) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", c.id());
        n.put("kind", c.kind().name().toLowerCase(Locale.ROOT));
        n.put("name", c.name());
        ArrayNode members = n.putArray("members");
        c.members().forEach(members::add);
        n.put("createdBy", c.createdBy());
        n.put("createdAt", c.createdAt().toString());
        n.put("version", c.version());
        ArrayNode admins = n.putArray("admins");
        c.admins().forEach(admins::add);
        return n;
    }

    public Conversation conversation(JsonNode n) {
        Conversation.Kind kind;
        try {
            kind = Conversation.Kind.valueOf(text(n, "kind").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown conversation kind " + n.path("kind"), e);
        }
        Conversation c = new Conversation(text(n, "id"), kind, text(n, "name"), strings(n, "members"),
                text(n, "createdBy"), instant(n, "createdAt"), number(n, "version"));
        // Records written before admins existed have none: keep the default the constructor chose.
        return n.has("admins") ? new Conversation(c.id(), c.kind(), c.name(), c.members(), c.createdBy(),
                c.createdAt(), c.version(), strings(n, "admins")) : c;
    }

    public static ReceiptKind receiptKind(String wire) {
        for (ReceiptKind k : ReceiptKind.values()) {
            if (k.wire().equals(wire)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown receipt kind \"" + wire + "\"");
    }

    // ---- fields ------------------------------------------------------------------------------

    public static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("field \"" + field + "\" is missing");
        }
        return v;
    }

    public static String text(JsonNode n, String field) {
        JsonNode v = required(n, field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field \"" + field + "\" must be a string");
        }
        return v.asText();
    }

    public static String optionalText(JsonNode n, String field) {
        return n.hasNonNull(field) ? text(n, field) : null;
    }

    public static long number(JsonNode n, String field) {
        JsonNode v = required(n, field);
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("field \"" + field + "\" must be an integer");
        }
        return v.asLong();
    }

    public static Instant instant(JsonNode n, String field) {
        try {
            return Instant.parse(text(n, field));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field \"" + field + "\" is not an ISO-8601 instant", e);
        }
    }

    public static List<String> strings(JsonNode n, String field) {
        JsonNode v = required(n, field);
        if (!v.isArray()) {
            throw new IllegalArgumentException("field \"" + field + "\" must be an array");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException("field \"" + field + "\" must hold strings");
            }
            out.add(item.asText());
        }
        return out;
    }
}
