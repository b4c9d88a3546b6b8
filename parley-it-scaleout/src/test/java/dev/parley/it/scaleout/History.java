package dev.parley.it.scaleout;

import dev.parley.client.HistoryRequest;
import dev.parley.client.ParleyAccounts;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.testkit.Waits;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A conversation's whole history as one chat server's REST API pages it out. */
final class History {
    private static final int PAGE = 500;
    private static final int MAX_PAGES = 1_000;

    private History() {
    }

    /** The message ids of the conversation in sequence order, read page by page from {@code server}. */
    static List<String> messageIds(URI server, String token, String conv, Duration wait) {
        ParleyAccounts rest = ParleyAccounts.of(server);
        List<String> out = new ArrayList<>();
        long after = 0;
        for (int page = 0; page < MAX_PAGES; page++) {
            HistoryPage p = Waits.join(rest.history(token, conv, HistoryRequest.afterSeq(after, PAGE)), wait);
            p.messages().forEach(m -> out.add(m.msgId()));
            if (!p.hasMore() || p.messages().isEmpty()) {
                return out;
            }
            after = p.messages().get(p.messages().size() - 1).seq();
        }
        throw new AssertionError("history of " + conv + " did not end within " + MAX_PAGES + " pages");
    }
}
