package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When the chat says "typing", on a clock the test advances. */
class TypingSignalTest {
    private final List<String> sent = new ArrayList<>();
    private String open = "d:1";
    private long now = TimeUnit.SECONDS.toNanos(1_000);
    private final TypingSignal typing = new TypingSignal(
            (conv, active) -> sent.add(conv + (active ? " start" : " stop")), () -> open, () -> now);

    @Test
    void aBurstOfKeystrokesSaysStartOnceUntilTheIntervalPasses() {
        typing.keystroke("h");
        typing.keystroke("he");
        now += TypingSignal.EVERY_NANOS - 1;
        typing.keystroke("hel");
        assertThat(sent).containsExactly("d:1 start");
        now += 1;
        typing.keystroke("hell");
        assertThat(sent).containsExactly("d:1 start", "d:1 start");
    }

    @Test
    void stopSaysStoppedWhereTypingWasAndStartsTheIntervalAfresh() {
        typing.keystroke("h");
        open = "d:2";
        typing.stop();
        typing.stop();
        assertThat(sent).as("stop goes where start went, once").containsExactly("d:1 start", "d:1 stop");
        typing.keystroke("x");
        assertThat(sent).as("right after a stop, a keystroke starts again").endsWith("d:2 start");
    }

    @Test
    void commandsAndNoOpenConversationAreNotTyping() {
        typing.keystroke("/hel");
        assertThat(sent).isEmpty();
        typing.keystroke("//hel");
        assertThat(sent).as("'//' is text starting with '/'").containsExactly("d:1 start");
        typing.stop();
        open = null;
        typing.keystroke("x");
        typing.stop();
        assertThat(sent).containsExactly("d:1 start", "d:1 stop");
    }
}
