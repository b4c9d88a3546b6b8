package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatInputTest {

    @Test
    void blankLinesAreNothing() {
        assertThat(ChatInput.parse("   ")).isNull();
        assertThat(ChatInput.parse("")).isNull();
    }

    @Test
    void commandsAreLowerCasedAndSplitOnWhitespace() {
        ChatInput open = ChatInput.parse("/open  bob");
        assertThat(open.isCommand()).isTrue();
        assertThat(open.command()).isEqualTo("open");
        assertThat(open.args()).containsExactly("bob");
        ChatInput group = ChatInput.parse("  /GROUP friends\tbob carol  ");
        assertThat(group.command()).isEqualTo("group");
        assertThat(group.args()).containsExactly("friends", "bob", "carol");
        assertThat(ChatInput.parse("/quit").args()).isEmpty();
    }

    @Test
    void otherLinesAreTextSentAsTyped() {
        ChatInput text = ChatInput.parse("  hello /world ");
        assertThat(text.isCommand()).isFalse();
        assertThat(text.text()).as("text keeps its spaces").isEqualTo("  hello /world ");
        assertThat(ChatInput.parse("//not a command").text()).isEqualTo("/not a command");
        assertThat(ChatInput.parse(" //x ").text()).as("the escape trims").isEqualTo("/x");
    }

    @Test
    void aCommandBeingTypedIsNotAMessageBeingWritten() {
        assertThat(ChatInput.isCommandLine("/hel")).isTrue();
        assertThat(ChatInput.isCommandLine("//hel")).isFalse();
        assertThat(ChatInput.isCommandLine("hel")).isFalse();
        assertThat(ChatInput.isCommandLine(" /hel")).as("as it stands, untrimmed").isFalse();
    }
}
