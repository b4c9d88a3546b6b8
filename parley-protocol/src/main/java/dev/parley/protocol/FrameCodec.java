package dev.parley.protocol;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * JSON text codec for {@link ClientFrame} and {@link ServerFrame}. Thread-safe and stateless.
 *
 * <p>Decoding scans the frame once before binding its fields, so that a frame with a bad field
 * still yields its {@code id} for the error reply. Unknown fields are ignored (newer clients may send more); unknown types,
 * wrong JSON types and missing required fields are errors with stable codes.
 */
public final class FrameCodec {
    /** Protocol version announced in {@code welcome} and accepted in the {@code v} URL parameter. */
    public static final int PROTOCOL_VERSION = 1;

    private static final Map<String, Class<? extends ClientFrame>> CLIENT_TYPES;
    private static final Map<Class<?>, String> SERVER_TYPES;
    private static final Map<String, Class<? extends ServerFrame>> SERVER_CLASSES;

    static {
        Map<String, Class<? extends ClientFrame>> c = new HashMap<>();
        c.put("auth", ClientFrame.Auth.class);
        c.put("sync", ClientFrame.Sync.class);
        c.put("send", ClientFrame.Send.class);
        c.put("ack", ClientFrame.Ack.class);
        c.put("read", ClientFrame.Read.class);
        c.put("typing", ClientFrame.Typing.class);
        c.put("history", ClientFrame.History.class);
        c.put("open_direct", ClientFrame.OpenDirect.class);
        c.put("create_group", ClientFrame.CreateGroup.class);
        c.put("rename_group", ClientFrame.RenameGroup.class);
        c.put("add_members", ClientFrame.AddMembers.class);
        c.put("remove_member", ClientFrame.RemoveMember.class);
        c.put("leave_group", ClientFrame.LeaveGroup.class);
        c.put("list_conversations", ClientFrame.ListConversations.class);
        c.put("get_conversation", ClientFrame.GetConversation.class);
        c.put("promote_admin", ClientFrame.PromoteAdmin.class);
        c.put("add_contact", ClientFrame.AddContact.class);
        c.put("remove_contact", ClientFrame.RemoveContact.class);
        c.put("list_contacts", ClientFrame.ListContacts.class);
        c.put("subscribe_presence", ClientFrame.SubscribePresence.class);
        c.put("set_privacy", ClientFrame.SetPrivacy.class);
        c.put("set_push", ClientFrame.SetPush.class);
        c.put("message_info", ClientFrame.MessageInfo.class);
        c.put("ping", ClientFrame.Ping.class);
        CLIENT_TYPES = Collections.unmodifiableMap(c);

        Map<Class<?>, String> s = new HashMap<>();
        s.put(ServerFrame.Welcome.class, "welcome");
        s.put(ServerFrame.Ok.class, "ok");
        s.put(ServerFrame.Error.class, "error");
        s.put(ServerFrame.Sent.class, "sent");
        s.put(ServerFrame.Synced.class, "synced");
        s.put(ServerFrame.HistoryPage.class, "history");
        s.put(ServerFrame.ConversationReply.class, "conversation");
        s.put(ServerFrame.ConversationList.class, "conversations");
        s.put(ServerFrame.PresenceList.class, "presence_list");
        s.put(ServerFrame.ContactList.class, "contacts");
        s.put(ServerFrame.Pong.class, "pong");
        s.put(ServerFrame.MessageInfoReply.class, "message_info");
        s.put(ServerFrame.MessageEvent.class, "message");
        s.put(ServerFrame.ReceiptEvent.class, "receipt");
        s.put(ServerFrame.MembershipEvent.class, "membership");
        s.put(ServerFrame.PresenceEvent.class, "presence");
        s.put(ServerFrame.TypingEvent.class, "typing");
        s.put(ServerFrame.Reconnect.class, "reconnect");
        SERVER_TYPES = Collections.unmodifiableMap(s);
        Map<String, Class<? extends ServerFrame>> byName = new HashMap<>();
        s.forEach((cls, name) -> byName.put(name, cls.asSubclass(ServerFrame.class)));
        SERVER_CLASSES = Collections.unmodifiableMap(byName);
    }

    private final ObjectMapper mapper;
    private final ObjectWriter serverWriter;
    private final Map<Class<? extends ClientFrame>, ObjectReader> clientReaders;

    /** Whether the hand-written {@link FrequentFrames} path is used; off only in tests that compare. */
    private final boolean frequentFrames;

    public FrameCodec() {
        this(true);
    }

    /** @param frequentFrames false to encode and decode every frame by data binding (for tests) */
    FrameCodec(boolean frequentFrames) {
        this.frequentFrames = frequentFrames;
        // Characters outside the BMP (emoji) go out as their 4 UTF-8 bytes, not as a 12-byte
        // surrogate-pair escape: a reply of emoji is a third of the size.
        this.mapper = new ObjectMapper(JsonFactory.builder()
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build())
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
                .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
                .configure(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        // Exact JSON types on the wire: no 5 → "5", no "7" → 7.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        this.serverWriter = mapper.writerFor(Typed.class);
        Map<Class<? extends ClientFrame>, ObjectReader> readers = new HashMap<>();
        CLIENT_TYPES.values().forEach(cls -> readers.put(cls, mapper.readerFor(cls)));
        this.clientReaders = Collections.unmodifiableMap(readers);
    }

    /**
     * An upper bound of the JSON bytes {@code m} takes inside a frame: its strings exactly as
     * encoded, plus the field names and numbers. What bounds a page of history in bytes.
     */
    public static int encodedLength(ServerFrame.MessageView m) {
        int bytes = 140; // braces, commas, the nine names, two longs at their widest
        for (String s : new String[] {m.conv(), m.msgId(), m.from(), m.fromDevice(), m.clientMsgId(), m.body(),
                m.contentType()}) {
            bytes += s == null ? 0 : JsonBytes.stringLength(s);
        }
        return bytes;
    }

    /** The shared mapper, configured for the wire; do not reconfigure. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Decodes and validates a client frame.
     *
     * @throws FrameException with the request id (when readable) and a stable code
     */
    public ClientFrame decodeClient(String text) {
        Envelope env = envelope(text);
        String id = env.idIsText ? env.id : null;
        if (env.type == null) {
            throw new FrameException(id, new ParleyException(ErrorCode.UNKNOWN_TYPE, "frame has no string field \"type\""));
        }
        Class<? extends ClientFrame> cls = CLIENT_TYPES.get(env.type);
        if (cls == null) {
            throw new FrameException(id, new ParleyException(ErrorCode.UNKNOWN_TYPE,
                    "unknown frame type \"" + truncate(env.type) + "\""));
        }
        if (env.idPresent && !env.idIsText) {
            throw new FrameException(null, new ParleyException(ErrorCode.INVALID_FIELD, "id must be a string"));
        }
        ClientFrame frame = frequentFrames ? env.fields.decode(env.type, id) : null;
        try {
            if (frame == null) {
                frame = clientReaders.get(cls).readValue(text);
            }
        } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty() ? "?" : e.getPath().get(0).getFieldName();
            throw new FrameException(id, new ParleyException(ErrorCode.INVALID_FIELD,
                    "field \"" + field + "\" has the wrong type"));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new FrameException(id, new ParleyException(ErrorCode.INVALID_FIELD, "invalid frame fields"));
        }
        try {
            frame.validate();
        } catch (ParleyException e) {
            throw new FrameException(id, e);
        }
        return frame;
    }

    /** What a frame says about itself before its fields are bound: its id and its type. */
    private static final class Envelope {
        boolean idPresent;
        boolean idIsText;
        String id;
        String type;
        final FrequentFrames.Scanned fields = new FrequentFrames.Scanned();
    }

    /**
     * One streaming pass over the frame that checks it is a single well-formed JSON object and
     * picks out {@code id}, {@code type} and the fields of the frequent frames (nested values are
     * skipped, not built). A frequent frame is then built from those fields; any other frame, or
     * one with a field of an unexpected type, is bound from the text by the type's reader, which
     * also words the error. Either way the id is known for an error reply.
     */
    private Envelope envelope(String text) {
        Envelope env = new Envelope();
        try (JsonParser p = mapper.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new FrameException(null, new ParleyException(ErrorCode.MALFORMED_FRAME, "frame must be a JSON object"));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("id".equals(name)) {
                    env.idPresent = true;
                    env.idIsText = value == JsonToken.VALUE_STRING;
                    env.id = env.idIsText ? p.getText() : null;
                } else if ("type".equals(name)) {
                    env.type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                } else {
                    env.fields.take(name, value, p);
                }
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                throw new FrameException(null, new ParleyException(ErrorCode.MALFORMED_FRAME,
                        "frame is not valid JSON: trailing content after the object"));
            }
        } catch (JsonProcessingException e) {
            throw new FrameException(null, new ParleyException(ErrorCode.MALFORMED_FRAME,
                    "frame is not valid JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return env;
    }

    /** Encodes a server frame with its {@code type} field first. */
    public String encode(ServerFrame frame) {
        try {
            if (frequentFrames && FrequentFrames.handles(frame)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                encode(frame, out);
                return out.toString(StandardCharsets.UTF_8);
            }
            return serverWriter.writeValueAsString(new Typed(typeOf(frame), frame));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + frame.getClass().getSimpleName(), e);
        }
    }

    /**
     * Encodes a server frame as UTF-8 into {@code out}, the hot path's variant: no intermediate
     * tree or string; the frequent frames are written as bytes by hand ({@link JsonBytes}).
     */
    public void encode(ServerFrame frame, OutputStream out) throws IOException {
        if (frequentFrames && FrequentFrames.handles(frame)) {
            JsonBytes bytes = JsonBytes.forThisThread();
            FrequentFrames.write(frame, bytes);
            bytes.writeTo(out);
            return;
        }
        serverWriter.writeValue(out, new Typed(typeOf(frame), frame));
    }

    /** Decodes a server frame (used by the Java SDK and tests). */
    public ServerFrame decodeServer(String text) {
        try {
            JsonNode tree = mapper.readTree(text);
            String type = tree.path("type").asText();
            Class<? extends ServerFrame> cls = SERVER_CLASSES.get(type);
            if (cls == null) {
                throw new IllegalArgumentException("unknown server frame type \"" + truncate(type) + "\"");
            }
            return mapper.treeToValue(tree, cls);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed server frame", e);
        }
    }

    /** A frame with its wire type in front; Jackson writes the frame's own fields after it. */
    @JsonPropertyOrder({"type"})
    private record Typed(String type, @JsonUnwrapped ServerFrame frame) {
    }

    /** Encodes a client frame with its {@code type} field (used by the Java SDK and tests). */
    public String encode(ClientFrame frame) {
        ObjectNode node = mapper.createObjectNode();
        node.put("type", typeOf(frame));
        node.setAll((ObjectNode) mapper.valueToTree(frame));
        node.remove(java.util.List.copyOf(nullFields(node)));
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + frame.getClass().getSimpleName(), e);
        }
    }

    /** The wire type name of a client frame. */
    public static String typeOf(ClientFrame frame) {
        for (Map.Entry<String, Class<? extends ClientFrame>> e : CLIENT_TYPES.entrySet()) {
            if (e.getValue() == frame.getClass()) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("unregistered client frame " + frame.getClass());
    }

    /** The wire type name of a server frame. */
    public static String typeOf(ServerFrame frame) {
        String type = SERVER_TYPES.get(frame.getClass());
        if (type == null) {
            throw new IllegalArgumentException("unregistered server frame " + frame.getClass());
        }
        return type;
    }

    private static java.util.List<String> nullFields(ObjectNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                names.add(e.getKey());
            }
        });
        return names;
    }

    private static String truncate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** A decoding failure that keeps the request id (possibly null) for the error reply. */
    public static final class FrameException extends RuntimeException {
        private final String requestId;
        private final ParleyException error;

        FrameException(String requestId, ParleyException error) {
            super(error.getMessage(), error);
            this.requestId = requestId;
            this.error = error;
        }

        public String requestId() {
            return requestId;
        }

        public ParleyException error() {
            return error;
        }
    }
}
