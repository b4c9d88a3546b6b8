package dev.parley.cli;

import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * How the chat shows things on the terminal, one event per line (several for a listing or a page
 * of history), seen from the signed-in user ({@code me}): their own messages are from "me", a
 * direct conversation is labelled by the other member. Pure functions of their arguments, so that
 * a script reading the output can rely on them; thread-safe.
 */
final class ChatFormat {
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter DAY_HM = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final String me;

    ChatFormat(String me) {
        this.me = me;
    }

    /** {@code [conv] from: body}, with the signed-in user as "me". */
    String message(MessageView m) {
        String from = m.from();
        if (me.equals(from)) {
            from = "me";
        }
        return "[" + m.conv() + "] " + from + ": " + m.body();
    }

    /** The members of {@code v} other than the signed-in user. */
    List<String> others(ConversationView v) {
        List<String> others = new ArrayList<>(v.members());
        others.remove(me);
        return others;
    }

    /** "direct with bob" or "group \"friends\": alice, bob". */
    String label(ConversationView v) {
        if ("direct".equals(v.kind())) {
            List<String> others = others(v);
            return "direct with " + (others.isEmpty() ? me : String.join(", ", others));
        }
        return "group \"" + v.name() + "\": " + String.join(", ", v.members());
    }

    /** The numbered lines of /list, numbered from 1 in the order given; empty for none. */
    String listing(List<ConversationView> all) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (ConversationView v : all) {
            sb.append(i == 0 ? "" : "\n").append(String.format("%3d. %s  %s  (%d message%s)", ++i, v.conv(), label(v), v.lastSeq(), v.lastSeq() == 1 ? "" : "s"));
        }
        return sb.toString();
    }

    /** A page of history, oldest first, noting when older messages exist. */
    String history(String conv, HistoryPage page) {
        if (page.messages().isEmpty()) {
            return "* no messages yet in " + conv;
        }
        StringBuilder sb = new StringBuilder();
        if (page.hasMore()) {
            sb.append("* … older messages not shown\n");
        }
        for (MessageView m : page.messages()) {
            sb.append(message(m)).append('\n');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** A membership change as a sentence, e.g. {@code * [conv] alice added bob}. */
    static String membership(MembershipEvent e) {
        String who = String.join(", ", e.users() == null ? List.of() : e.users());
        // Direct conversations have no name: "alice created the conversation", not "alice created \"\" …".
        String name = e.name() != null && !e.name().isEmpty() ? " \"" + e.name() + "\"" : "";
        String text = switch (e.change() == null ? "" : e.change()) {
            case "created" -> e.actor() + " created" + (name.isEmpty() ? " the conversation" : name)
                    + (who.isEmpty() ? "" : " with " + who);
            case "promoted" -> e.actor() + " made " + who + " an admin";
            case "renamed" -> e.actor() + " renamed the group to" + name;
            case "added" -> e.actor() + " added " + who;
            case "removed" -> e.actor() + " removed " + who;
            case "left" -> (who.isEmpty() ? e.actor() : who) + " left";
            default -> e.actor() + " " + e.change() + " " + who;
        };
        return "* [" + e.conv() + "] " + text;
    }

    /** A message of ours whose status went up: its new ticks, where it is and how it starts. */
    static String tick(Ticks.Change c) {
        String mark = switch (c.status()) {
            case SENT -> "✓";
            case DELIVERED -> "✓✓";
            case READ -> "✓✓ read";
        };
        return mark + " [" + c.conv() + " #" + c.seq() + "] " + snippet(c.text());
    }

    /** Another member started typing in {@code conv}. */
    static String typing(String user, String conv) {
        return user + " is typing… [" + conv + "]";
    }

    /** "bob is online", "bob is offline" or "bob is offline (last seen 14:02)" (a date unless today). */
    static String presenceText(String user, boolean online, Long lastSeen) {
        if (online) {
            return user + " is online";
        }
        if (lastSeen == null) {
            return user + " is offline";
        }
        Instant t = Instant.ofEpochMilli(lastSeen);
        ZoneId zone = ZoneId.systemDefault();
        boolean today = LocalDate.ofInstant(t, zone).equals(LocalDate.now(zone));
        return user + " is offline (last seen " + (today ? HM : DAY_HM).format(t.atZone(zone)) + ")";
    }

    /** The text on one line, cut to 40 characters. */
    static String snippet(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 39) + "…";
    }
}
