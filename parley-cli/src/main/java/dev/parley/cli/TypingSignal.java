package dev.parley.cli;

import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Tells the open conversation that a message is being typed: on the first keystroke, then at most
 * every few seconds while typing goes on (the other side shows "typing" until a message or a stop
 * arrives, or for a few seconds), and "stopped" once the line is sent or the conversation left.
 *
 * <p>Thread-safe; keystrokes arrive on the terminal's thread.
 */
final class TypingSignal {
    static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final BiConsumer<String, Boolean> send;
    private final Supplier<String> openConversation;
    private final LongSupplier nanoTime;

    // guarded by this
    private long sentAt;
    private String in;

    /**
     * @param send             tells a conversation typing started (true) or stopped (false)
     * @param openConversation the open conversation, null when none
     * @param nanoTime         the monotonic clock ({@code System::nanoTime}; tests advance their own)
     */
    TypingSignal(BiConsumer<String, Boolean> send, Supplier<String> openConversation, LongSupplier nanoTime) {
        this.send = send;
        this.openConversation = openConversation;
        this.nanoTime = nanoTime;
    }

    /**
     * Someone typed into the line, which now reads {@code line}. A command being typed (a line
     * starting with '/') is not a message being written.
     */
    void keystroke(String line) {
        if (ChatInput.isCommandLine(line)) {
            return;
        }
        String conv;
        long now = nanoTime.getAsLong();
        synchronized (this) {
            conv = openConversation.get();
            if (conv == null || (sentAt != 0 && now - sentAt < EVERY_NANOS)) {
                return;
            }
            sentAt = now;
            in = conv;
        }
        send.accept(conv, true);
    }

    /** After a line is sent or a conversation left: stop saying "typing" there. */
    void stop() {
        String conv;
        synchronized (this) {
            conv = in;
            in = null;
            sentAt = 0;
        }
        if (conv != null) {
            send.accept(conv, false);
        }
    }
}
