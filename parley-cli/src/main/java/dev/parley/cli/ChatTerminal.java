package dev.parley.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.Widget;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Where the chat reads what the person types and prints what happens. On a real terminal it is
 * a line editor (JLine) that prints incoming events above the line being typed and reports every
 * keystroke, so that the chat can say "typing"; on a pipe (scripts, tests) plain lines.
 */
interface ChatTerminal extends AutoCloseable {

    /** The next line, or null at the end of input (Ctrl-D). */
    String readLine() throws IOException;

    /** Prints one event line without disturbing the line being typed. */
    void print(String line);

    /**
     * Calls {@code onKey} with the line as it stands after every character typed into it
     * (interactive terminals only).
     */
    default void onKeystroke(Consumer<String> onKey) {
    }

    @Override
    default void close() throws IOException {
    }

    static ChatTerminal plain(BufferedReader in, PrintWriter out) {
        return new ChatTerminal() {
            @Override
            public String readLine() throws IOException {
                return in.readLine();
            }

            @Override
            public void print(String line) {
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            }
        };
    }

    /** The system terminal as a line editor; the caller checks that there is one ({@code System.console()}). */
    static ChatTerminal interactive() throws IOException {
        return interactive(TerminalBuilder.builder().system(true).build());
    }

    /** A line editor on {@code terminal}, which it closes when closed. */
    static ChatTerminal interactive(Terminal terminal) {
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("parley").build();
        return new ChatTerminal() {
            @Override
            public String readLine() {
                try {
                    return reader.readLine("> ");
                } catch (EndOfFileException | UserInterruptException e) {
                    return null;
                }
            }

            @Override
            public void print(String line) {
                reader.printAbove(line);
            }

            @Override
            public void onKeystroke(Consumer<String> onKey) {
                Widget insert = reader.getBuiltinWidgets().get(LineReader.SELF_INSERT);
                reader.getWidgets().put(LineReader.SELF_INSERT, () -> {
                    boolean done = insert.apply();
                    onKey.accept(reader.getBuffer().toString());
                    return done;
                });
            }

            @Override
            public void close() throws IOException {
                terminal.close();
            }
        };
    }
}
