package dev.parley.core.delivery;

import dev.parley.core.message.TypingRelay;
import dev.parley.protocol.ServerFrame;
import java.util.Collection;
import java.util.Objects;

/** Relays typing indicators as ephemeral {@code typing} frames through the {@link MessageRouter}. */
public final class RoutedTypingRelay implements TypingRelay {
    private final MessageRouter router;

    public RoutedTypingRelay(MessageRouter router) {
        this.router = Objects.requireNonNull(router, "router");
    }

    @Override
    public void typing(Collection<String> recipients, String conversationId, String userId, String state) {
        router.ephemeral(recipients, new ServerFrame.TypingEvent(conversationId, userId, state));
    }
}
