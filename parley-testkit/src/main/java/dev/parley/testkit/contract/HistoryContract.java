package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.client.HistoryRequest;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.contract.TestUsers.Client;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract: history. Pages of a conversation's log, oldest first, bounded by sequence number or
 * time (exclusive bounds), with a {@code hasMore} flag; the same over WebSocket and REST; members
 * only.
 */
public abstract class HistoryContract extends ContractSupport {
    private static final int COUNT = 120;

    @Test
    void pagesBySequenceAndTimeAgreeOverWebSocketAndRest() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        List<Sent> sent = sendAll(a, conv, bodies("h", COUNT));
        assertThat(sent).extracting(Sent::seq).containsExactlyElementsOf(range(1, COUNT));

        check(a, b, conv, sent, HistoryRequest.latest(50), range(71, 120), true);
        check(a, b, conv, sent, HistoryRequest.beforeSeq(71, 50), range(21, 70), true);
        check(a, b, conv, sent, HistoryRequest.beforeSeq(21, 50), range(1, 20), false);
        check(a, b, conv, sent, HistoryRequest.afterSeq(0, 50), range(1, 50), true);
        check(a, b, conv, sent, HistoryRequest.afterSeq(50, 50), range(51, 100), true);
        check(a, b, conv, sent, HistoryRequest.afterSeq(100, 50), range(101, 120), false);
        check(a, b, conv, sent, HistoryRequest.afterSeq(120, 50), List.of(), false);
        check(a, b, conv, sent, HistoryRequest.latest(1000), range(1, 120), false);

        // By time: bounds are exclusive; several messages may share a millisecond.
        long t = sent.get(59).ts();
        List<Long> before = sent.stream().filter(s -> s.ts() < t).map(Sent::seq).toList();
        List<Long> after = sent.stream().filter(s -> s.ts() > t).map(Sent::seq).toList();
        check(a, b, conv, sent, HistoryRequest.before(Instant.ofEpochMilli(t), 50),
                before.subList(Math.max(0, before.size() - 50), before.size()), before.size() > 50);
        check(a, b, conv, sent, HistoryRequest.after(Instant.ofEpochMilli(t), 50),
                after.subList(0, Math.min(50, after.size())), after.size() > 50);
        check(a, b, conv, sent, HistoryRequest.after(Instant.ofEpochMilli(sent.get(0).ts() - 1), 30),
                range(1, 30), true);
        check(a, b, conv, sent, HistoryRequest.before(Instant.ofEpochMilli(sent.get(COUNT - 1).ts() + 1), 30),
                range(91, 120), true);
    }

    @Test
    void pagingBackwardReachesTheStartWithoutGapsOrRepeats() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        sendAll(a, conv, bodies("p", 45));

        List<Long> seen = new java.util.ArrayList<>();
        HistoryPage page = join(b.sdk().history(conv, HistoryRequest.latest(10)));
        int pages = 1;
        seen.addAll(0, page.messages().stream().map(MessageView::seq).toList());
        while (page.hasMore()) {
            page = join(b.sdk().history(conv, HistoryRequest.beforeSeq(page.messages().get(0).seq(), 10)));
            seen.addAll(0, page.messages().stream().map(MessageView::seq).toList());
            pages++;
        }
        assertThat(seen).containsExactlyElementsOf(range(1, 45));
        assertThat(pages).isEqualTo(5);
    }

    /**
     * A page is bounded in bytes as well as in count (256 KiB of messages): a 16-byte request
     * cannot buy a reply of any size. Emoji travel as their four
     * UTF-8 bytes, not as twelve bytes of escapes.
     */
    @Test
    void pagesOfLargeMessagesAreBoundedInBytesAndPageOnWithoutGaps() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        String emoji = "\uD83D\uDE00".repeat(16_000); // 64,000 bytes of UTF-8, within the 64 KiB body limit
        List<String> bodies = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            bodies.add(i + emoji);
        }
        sendAll(a, conv, bodies);

        TestUsers.Device other = users.login(b.device().user(), b.device().server()); // Bob's SDK keeps its own
        RawSocket raw = users.track(RawSocket.open(other.server(), other.token()));
        JsonNode page = raw.request(RawSocket.frame("history").put("id", "big-1").put("conv", conv).put("limit", 300));
        assertThat(page.path("type").asText()).isEqualTo("history");
        assertThat(raw.bytesOf(page)).as("reply bytes").isLessThanOrEqualTo(262_144 + 512);
        assertThat(page.path("hasMore").asBoolean()).isTrue();
        assertThat(page.path("messages").size()).isBetween(1, 11);
        JsonNode newest = page.path("messages").get(page.path("messages").size() - 1);
        assertThat(newest.path("seq").asLong()).as("paging back keeps the newest").isEqualTo(12);
        assertThat(newest.path("body").asText()).isEqualTo(bodies.get(11));
        JsonNode one = raw.request(RawSocket.frame("history").put("id", "big-2").put("conv", conv)
                .put("afterSeq", 0).put("limit", 1));
        assertThat(raw.bytesOf(one)).as("one message of 16,000 emoji on the wire").isBetween(64_000, 64_600);

        List<String> seen = new ArrayList<>();
        HistoryPage sdkPage = join(b.sdk().history(conv, HistoryRequest.latest(300)));
        seen.addAll(0, sdkPage.messages().stream().map(MessageView::body).toList());
        while (sdkPage.hasMore()) {
            sdkPage = join(b.sdk().history(conv, HistoryRequest.beforeSeq(sdkPage.messages().get(0).seq(), 300)));
            seen.addAll(0, sdkPage.messages().stream().map(MessageView::body).toList());
        }
        assertThat(seen).containsExactlyElementsOf(bodies);
        HistoryPage rest = join(users.rest(b.device()).history(b.device().token(), conv, HistoryRequest.afterSeq(0, 300)));
        assertThat(rest.hasMore()).as("REST pages are bounded the same way").isTrue();
        assertThat(rest.messages()).extracting(MessageView::body).isEqualTo(bodies.subList(0, rest.messages().size()));
    }

    @Test
    void onlyMembersReadHistory() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client stranger = users.newClient("eve");
        String conv = direct(a, b);
        join(a.sdk().send(conv, "private"));

        assertFails(stranger.sdk().history(conv, HistoryRequest.latest(10)), ErrorCode.CONVERSATION_NOT_FOUND);
        assertRestFails(users.rest(stranger.device()).history(stranger.device().token(), conv, HistoryRequest.latest(10)),
                ErrorCode.CONVERSATION_NOT_FOUND);
        assertRestFails(users.rest(stranger.device()).history(stranger.device().token(), "g:doesnotexist0",
                HistoryRequest.latest(10)), ErrorCode.CONVERSATION_NOT_FOUND);
        assertRestFails(users.rest(stranger.device()).history("not-a-token", conv, HistoryRequest.latest(10)),
                ErrorCode.UNAUTHENTICATED);
    }

    private void check(Client a, Client b, String conv, List<Sent> sent, HistoryRequest request, List<Long> seqs,
                       boolean hasMore) {
        HistoryPage viaA = join(a.sdk().history(conv, request));
        HistoryPage viaB = join(b.sdk().history(conv, request));
        HistoryPage viaRest = join(users.rest(b.device()).history(b.device().token(), conv, request));
        for (HistoryPage page : List.of(viaA, viaB, viaRest)) {
            assertThat(page.conv()).isEqualTo(conv);
            assertThat(page.messages()).as("%s", request).extracting(MessageView::seq).containsExactlyElementsOf(seqs);
            assertThat(page.hasMore()).as("hasMore of %s", request).isEqualTo(hasMore);
            for (MessageView m : page.messages()) {
                Sent s = sent.get((int) m.seq() - 1);
                assertThat(m.msgId()).isEqualTo(s.msgId());
                assertThat(m.ts()).isEqualTo(s.ts());
                assertThat(m.body()).isEqualTo("h-" + m.seq());
                assertThat(m.from()).isEqualTo(a.name());
                assertThat(m.conv()).isEqualTo(conv);
            }
        }
        assertThat(viaRest.messages()).isEqualTo(viaA.messages());
    }
}
