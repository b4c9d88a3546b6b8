package dev.parley.core.delivery;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.HistoryPage;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageInfo;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.presence.PresenceState;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.util.Locale;

/**
 * Maps the core's records to the protocol's frames and views: the one place where results become
 * wire shapes, for the WebSocket ({@link RequestDispatcher}, {@link DeviceSession}) and REST alike.
 */
public final class Views {
    private Views() {
    }

    public static ServerFrame.MessageView message(StoredMessage m) {
        return new ServerFrame.MessageView(m.conversationId(), m.seq(), m.messageId(), m.senderId(), m.senderDeviceId(),
                m.clientMsgId(), m.timestamp().toEpochMilli(), m.body(), m.contentType());
    }

    public static ServerFrame.ConversationView conversation(Conversation c, long lastSeq) {
        return new ServerFrame.ConversationView(c.id(), c.kind().name().toLowerCase(Locale.ROOT), c.name(), c.members(),
                c.createdBy(), c.createdAt().toEpochMilli(), lastSeq, c.admins(), c.version());
    }

    /** The frame that delivers an inbox entry to a device. */
    public static ServerFrame inboxFrame(InboxEntry e) {
        long ts = e.timestamp().toEpochMilli();
        InboxEvent event = e.event();
        if (event instanceof InboxEvent.MessageAdded m) {
            return new ServerFrame.MessageEvent(e.cursor(), message(m.message()));
        }
        if (event instanceof InboxEvent.ReceiptAdvanced r) {
            return new ServerFrame.ReceiptEvent(e.cursor(), r.conversationId(), r.userId(), r.kind().wire(), r.upTo(), ts);
        }
        InboxEvent.MembershipChanged c = (InboxEvent.MembershipChanged) event;
        return new ServerFrame.MembershipEvent(e.cursor(), c.conversationId(), c.change(), c.actorId(), c.users(),
                c.name(), c.version(), ts);
    }

    /** The {@code sent} reply (the ✓) to a send, for the first message when it was a retry. */
    public static ServerFrame.Sent sent(String requestId, AppendResult r) {
        StoredMessage s = r.message();
        return new ServerFrame.Sent(requestId, s.conversationId(), s.clientMsgId(), s.messageId(), s.seq(),
                s.timestamp().toEpochMilli(), r.duplicate());
    }

    /** A page of history; {@code requestId} null for REST, which has no request ids. */
    public static ServerFrame.HistoryPage historyPage(String requestId, HistoryPage page) {
        return new ServerFrame.HistoryPage(requestId, page.conversationId(),
                page.messages().stream().map(Views::message).toList(), page.hasMore());
    }

    public static ServerFrame.MessageInfoReply messageInfo(String requestId, MessageInfo info) {
        return new ServerFrame.MessageInfoReply(requestId, info.conversationId(), info.seq(), info.members().stream()
                .map(m -> new ServerFrame.MemberReceipt(m.userId(), m.status().wire(), m.deliveredUpTo(), m.readUpTo()))
                .toList(), info.aggregate().wire());
    }

    public static ServerFrame.PresenceView presence(PresenceState s) {
        return new ServerFrame.PresenceView(s.userId(), s.online(), s.lastSeen() == null ? null : s.lastSeen().toEpochMilli());
    }

    public static ServerFrame.PresenceEvent presenceEvent(PresenceState s) {
        return new ServerFrame.PresenceEvent(s.userId(), s.online(), s.lastSeen() == null ? null : s.lastSeen().toEpochMilli());
    }

    /** Bytes the message takes in a frame: the measure of a history page's byte bound. */
    public static int encodedSize(StoredMessage m) {
        return FrameCodec.encodedLength(message(m));
    }
}
