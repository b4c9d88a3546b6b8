package dev.parley.client;

import dev.parley.protocol.ServerFrame;
import dev.parley.protocol.ServerFrame.ConversationView;
import java.util.function.Function;

/** How a reply frame becomes the value of a request's future, and which request a reply answers. */
final class Replies {
    private Replies() {
    }

    /** A reply of {@code type}, mapped; any other frame fails the request with {@code PROTOCOL}. */
    static <R extends ServerFrame, T> Function<ServerFrame, T> expect(Class<R> type, Function<R, T> map) {
        return f -> {
            if (!type.isInstance(f)) {
                throw new ParleyClientException(ParleyClientException.PROTOCOL,
                        "expected " + type.getSimpleName() + " but got " + f.getClass().getSimpleName(), 0, false, null);
            }
            return map.apply(type.cast(f));
        };
    }

    static Function<ServerFrame, ConversationView> conversation() {
        return expect(ServerFrame.ConversationReply.class, ServerFrame.ConversationReply::conversation);
    }

    /** For requests answered by {@code ok} (a server may also answer with the changed conversation). */
    static Function<ServerFrame, Void> done() {
        return f -> {
            if (f instanceof ServerFrame.Ok || f instanceof ServerFrame.ConversationReply) {
                return null;
            }
            throw new ParleyClientException(ParleyClientException.PROTOCOL,
                    "expected ok but got " + f.getClass().getSimpleName(), 0, false, null);
        };
    }

    /** The request id a reply answers, or null for frames that answer no request. */
    static String replyId(ServerFrame f) {
        if (f instanceof ServerFrame.Ok r) return r.id();
        if (f instanceof ServerFrame.Error r) return r.id();
        if (f instanceof ServerFrame.Synced r) return r.id();
        if (f instanceof ServerFrame.HistoryPage r) return r.id();
        if (f instanceof ServerFrame.ConversationReply r) return r.id();
        if (f instanceof ServerFrame.ConversationList r) return r.id();
        if (f instanceof ServerFrame.PresenceList r) return r.id();
        if (f instanceof ServerFrame.ContactList r) return r.id();
        if (f instanceof ServerFrame.Pong r) return r.id();
        if (f instanceof ServerFrame.MessageInfoReply r) return r.id();
        return null;
    }
}
