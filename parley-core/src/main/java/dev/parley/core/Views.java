package dev.parley.core;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.ServerFrame;
import java.util.Locale;

/** Maps domain records to the protocol's frames and views. */
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
}
