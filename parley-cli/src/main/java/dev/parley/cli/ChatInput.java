package dev.parley.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One line typed into the chat: a slash command with its words, or text to send to the open
 * conversation. A line starting with "//" is text that starts with '/'.
 */
record ChatInput(String command, List<String> args, String text) {

    boolean isCommand() {
        return command != null;
    }

    /** Parses one input line; returns null for a blank line. */
    static ChatInput parse(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return null;
        }
        if (isCommandLine(trimmed)) {
            String[] words = trimmed.substring(1).split("\\s+");
            return new ChatInput(words[0].toLowerCase(Locale.ROOT), List.of(Arrays.copyOfRange(words, 1, words.length)), null);
        }
        // "//text" sends "/text"
        return new ChatInput(null, List.of(), trimmed.startsWith("//") ? trimmed.substring(1) : line);
    }

    /** Whether {@code line}, as it stands, is a command being typed rather than a message. */
    static boolean isCommandLine(String line) {
        return line.startsWith("/") && !line.startsWith("//");
    }
}
