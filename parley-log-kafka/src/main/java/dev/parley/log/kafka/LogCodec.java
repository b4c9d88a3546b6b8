package dev.parley.log.kafka;

import static dev.parley.routing.kafka.DomainJson.instant;
import static dev.parley.routing.kafka.DomainJson.number;
import static dev.parley.routing.kafka.DomainJson.optionalText;
import static dev.parley.routing.kafka.DomainJson.required;
import static dev.parley.routing.kafka.DomainJson.strings;
import static dev.parley.routing.kafka.DomainJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.log.kafka.LogRecords.Command;
import dev.parley.log.kafka.LogRecords.InboxRequest;
import dev.parley.log.kafka.LogRecords.NumberedEntry;
import dev.parley.log.kafka.LogRecords.Outcome;
import dev.parley.protocol.ErrorCode;
import dev.parley.routing.kafka.DomainJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * JSON values of the log's records (version 1), built on {@link DomainJson}. Decoding refuses an
 * unknown version or kind, or a missing field, with an {@link IllegalArgumentException}.
 * Thread-safe.
 */
final class LogCodec {
    static final int VERSION = 1;

    private final ObjectMapper mapper = new ObjectMapper();
    private final DomainJson json = new DomainJson(mapper);

    // ---- commands ------------------------------------------------------------------------------

    byte[] encode(Command c) {
        ObjectNode n = header(c.origin(), c.requestId());
        n.put("at", c.at().toString());
        if (c instanceof Command.Append a) {
            NewMessage m = a.message();
            n.put("k", "append");
            n.put("msgId", a.messageId());
            n.put("conv", m.conversationId());
            n.put("from", m.senderId());
            n.put("fromDevice", m.senderDeviceId());
            n.put("clientMsgId", m.clientMsgId());
            n.put("body", m.body());
            if (m.contentType() != null) {
                n.put("contentType", m.contentType());
            }
        } else if (c instanceof Command.Create cr) {
            n.put("k", "create");
            n.set("conversation", json.conversation(cr.conversation()));
            n.put("actor", cr.actorId());
        } else if (c instanceof Command.Update u) {
            n.put("k", "update");
            n.set("conversation", json.conversation(u.updated()));
            n.set("event", json.event(u.event()));
            addAll(n.putArray("recipients"), u.recipients());
        } else if (c instanceof Command.Mark m) {
            n.put("k", "mark");
            n.put("conv", m.conversationId());
            n.put("user", m.userId());
            n.put("kind", m.kind().wire());
            n.put("upTo", m.upTo());
        }
        return bytes(n);
    }

    Command command(byte[] value) {
        JsonNode n = parse(value);
        String origin = text(n, "origin");
        String req = text(n, "req");
        Instant at = instant(n, "at");
        String kind = text(n, "k");
        return switch (kind) {
            case "append" -> new Command.Append(origin, req, at, text(n, "msgId"), new NewMessage(text(n, "conv"),
                    text(n, "from"), text(n, "fromDevice"), text(n, "clientMsgId"), text(n, "body"),
                    optionalText(n, "contentType")));
            case "create" -> new Command.Create(origin, req, at, json.conversation(required(n, "conversation")),
                    text(n, "actor"));
            case "update" -> {
                InboxEvent event = json.event(required(n, "event"));
                if (!(event instanceof InboxEvent.MembershipChanged mc)) {
                    throw new IllegalArgumentException("an update's event must be a membership change");
                }
                yield new Command.Update(origin, req, at, json.conversation(required(n, "conversation")), mc,
                        strings(n, "recipients"));
            }
            case "mark" -> new Command.Mark(origin, req, at, text(n, "conv"), text(n, "user"),
                    DomainJson.receiptKind(text(n, "kind")), number(n, "upTo"));
            default -> throw new IllegalArgumentException("unknown command \"" + kind + "\"");
        };
    }

    // ---- outcomes ------------------------------------------------------------------------------

    byte[] encode(Outcome o) {
        return bytes(node(o));
    }

    /** Several outcomes for one server in one record value. */
    byte[] encodeReplies(List<Outcome> outcomes) {
        ObjectNode n = mapper.createObjectNode();
        n.put("v", VERSION);
        ArrayNode all = n.putArray("replies");
        outcomes.forEach(o -> all.add(node(o)));
        return bytes(n);
    }

    List<Outcome> replies(byte[] value) {
        JsonNode n = parse(value);
        List<Outcome> out = new ArrayList<>();
        for (JsonNode o : required(n, "replies")) {
            out.add(outcome(o));
        }
        return out;
    }

    private ObjectNode node(Outcome o) {
        ObjectNode n = header(o.origin(), o.requestId());
        if (o instanceof Outcome.Stored s) {
            n.put("k", "stored");
            DomainJson.message(n.putObject("message"), s.message());
            addAll(n.putArray("recipients"), s.recipients());
            n.put("duplicate", s.duplicate());
        } else if (o instanceof Outcome.Duplicate d) {
            n.put("k", "duplicate");
            n.put("conv", d.conversationId());
            n.put("seq", d.seq());
        } else if (o instanceof Outcome.Rejected r) {
            n.put("k", "rejected");
            n.put("code", r.code().name());
            n.put("message", r.message());
        } else if (o instanceof Outcome.Changed c) {
            n.put("k", "changed");
            n.set("conversation", json.conversation(c.conversation()));
            addAll(n.putArray("removed"), c.removed());
            n.put("applied", c.applied());
            n.put("entries", c.entries());
        } else if (o instanceof Outcome.Marked m) {
            n.put("k", "marked");
            n.put("conv", m.conversationId());
            n.put("user", m.userId());
            n.put("delivered", m.marks().deliveredUpTo());
            n.put("read", m.marks().readUpTo());
            n.put("raised", m.raised());
            n.put("entries", m.entries());
        } else if (o instanceof Outcome.Entry e) {
            n.put("k", "entry");
            entry(n, e.entry());
        }
        return n;
    }

    Outcome outcome(byte[] value) {
        return outcome(parse(value));
    }

    private Outcome outcome(JsonNode n) {
        String origin = text(n, "origin");
        String req = text(n, "req");
        String kind = text(n, "k");
        return switch (kind) {
            case "stored" -> new Outcome.Stored(origin, req, DomainJson.message(required(n, "message")),
                    strings(n, "recipients"), required(n, "duplicate").asBoolean());
            case "duplicate" -> new Outcome.Duplicate(origin, req, text(n, "conv"), number(n, "seq"));
            case "rejected" -> new Outcome.Rejected(origin, req, errorCode(text(n, "code")), text(n, "message"));
            case "changed" -> new Outcome.Changed(origin, req, json.conversation(required(n, "conversation")),
                    strings(n, "removed"), required(n, "applied").asBoolean(), (int) number(n, "entries"));
            case "marked" -> new Outcome.Marked(origin, req, text(n, "conv"), text(n, "user"),
                    new Watermarks(number(n, "delivered"), number(n, "read")), required(n, "raised").asBoolean(),
                    (int) number(n, "entries"));
            case "entry" -> new Outcome.Entry(origin, req, entry(n));
            default -> throw new IllegalArgumentException("unknown outcome \"" + kind + "\"");
        };
    }

    // ---- inbox requests and entries ------------------------------------------------------------

    byte[] encode(InboxRequest r) {
        ObjectNode n = header(r.origin(), r.requestId());
        n.put("user", r.userId());
        n.put("ts", r.timestamp().toString());
        n.set("event", json.event(r.event()));
        return bytes(n);
    }

    InboxRequest inboxRequest(byte[] value) {
        JsonNode n = parse(value);
        return new InboxRequest(text(n, "origin"), text(n, "req"), text(n, "user"), instant(n, "ts"),
                json.event(required(n, "event")));
    }

    byte[] encode(NumberedEntry e) {
        ObjectNode n = header(e.origin(), e.requestId());
        entry(n, e.entry());
        return bytes(n);
    }

    NumberedEntry numberedEntry(byte[] value) {
        JsonNode n = parse(value);
        return new NumberedEntry(text(n, "origin"), text(n, "req"), entry(n));
    }

    private void entry(ObjectNode n, InboxEntry e) {
        n.put("user", e.userId());
        n.put("cursor", e.cursor());
        n.put("ts", e.timestamp().toString());
        n.set("event", json.event(e.event()));
    }

    private InboxEntry entry(JsonNode n) {
        return new InboxEntry(text(n, "user"), number(n, "cursor"), instant(n, "ts"), json.event(required(n, "event")));
    }

    // ---- conversation state --------------------------------------------------------------------

    byte[] encode(ConversationState s) {
        ObjectNode n = mapper.createObjectNode();
        n.put("v", VERSION);
        n.set("conversation", json.conversation(s.conversation()));
        n.put("head", s.head());
        n.put("headTs", s.headTimestamp().toString());
        ArrayNode runs = n.putArray("runs");
        for (int i = 0; i < s.runStarts().size(); i++) {
            runs.addArray().add(s.runStarts().get(i)).add(s.runSenders().get(i));
        }
        ObjectNode marks = n.putObject("marks");
        s.marks().forEach((user, w) -> marks.putArray(user).add(w.deliveredUpTo()).add(w.readUpTo()));
        return bytes(n);
    }

    ConversationState conversationState(byte[] value) {
        JsonNode n = parse(value);
        ConversationState s = new ConversationState(json.conversation(required(n, "conversation")),
                number(n, "head"), instant(n, "headTs"));
        for (JsonNode run : required(n, "runs")) {
            s.runStarts().add(run.get(0).asLong());
            s.runSenders().add(run.get(1).asText());
        }
        required(n, "marks").fields().forEachRemaining(f -> s.marks().put(f.getKey(),
                new Watermarks(f.getValue().get(0).asLong(), f.getValue().get(1).asLong())));
        return s;
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private ObjectNode header(String origin, String requestId) {
        ObjectNode n = mapper.createObjectNode();
        n.put("v", VERSION);
        n.put("origin", origin);
        n.put("req", requestId);
        return n;
    }

    private static void addAll(ArrayNode out, Collection<String> values) {
        values.forEach(out::add);
    }

    private JsonNode parse(byte[] value) {
        JsonNode n;
        try {
            n = mapper.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("log record is not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject() || n.path("v").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("log record is not a version " + VERSION + " JSON object");
        }
        return n;
    }

    private byte[] bytes(ObjectNode n) {
        try {
            return mapper.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ErrorCode errorCode(String name) {
        try {
            return ErrorCode.valueOf(name);
        } catch (IllegalArgumentException e) {
            return ErrorCode.INTERNAL;
        }
    }
}
