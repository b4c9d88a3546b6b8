package dev.parley.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * The {@code offline} scenario's worker: units are pairs (sender, offline recipient). Each sender
 * connects, opens the direct conversation and sends {@code messages} messages (with a window,
 * without syncing its own inbox) while the recipient has never connected; once every one of them
 * is durable, the recipients connect, sync and acknowledge as they go. Reported per recipient:
 * {@code drain}, the time from the start of its TCP connect until its last queued message arrived,
 * and {@code synced}, until the {@code synced} reply. The recipient must receive 1 to N exactly
 * once and in order.
 *
 * <p>The first {@code warmupUnits} pairs are warm-up: their recipients drain one after the other
 * before the measured ones connect, reported apart as {@code warmupDrain}. A fresh server
 * compiles its delivery path during its first drain (most of a second here); a server in service
 * has long done that, so the measured drain is the one of a warm server.
 */
final class OfflineRunner extends Runner {
    private static final class Pair {
        final Conn sender;
        final Conn recipient;
        final boolean warmup;
        volatile ConvSlot slot;
        long sent;
        boolean drained;

        Pair(Conn sender, Conn recipient, boolean warmup) {
            this.sender = sender;
            this.recipient = recipient;
            this.warmup = warmup;
        }
    }

    private final List<Pair> pairs = new ArrayList<>();
    private CountDownLatch conversations;
    private CountDownLatch queued;
    private CountDownLatch drainedLatch;
    private CountDownLatch syncedLatch;
    private volatile CountDownLatch warmupLatch;

    OfflineRunner(WorkerSpec spec, Consumer<WorkerEvent> sink) {
        super(spec, sink);
    }

    @Override
    protected Verification scenario() throws Exception {
        List<Conn> senders = new ArrayList<>();
        List<Conn> recipients = new ArrayList<>();
        List<Conn> warmupRecipients = new ArrayList<>();
        for (List<Cred> unit : spec.units()) {
            boolean warmup = pairs.size() < params.warmupUnits();
            Pair p = new Pair(new Conn(unit.get(0), this), new Conn(unit.get(1), this), warmup);
            p.sender.attachment = p;
            p.recipient.attachment = p;
            pairs.add(p);
            senders.add(p.sender);
            (warmup ? warmupRecipients : recipients).add(p.recipient);
        }
        int n = params.messages();
        phase("connecting");
        if (!connectAll(senders, 120)) {
            closeAll(senders);
            return new Verification(0, 0, 0, 0, 0, 0, 0, 0, counter(FAILED));
        }
        conversations = new CountDownLatch(pairs.size());
        onEachLoop(senders, c -> {
            c.openDirect(((Pair) c.attachment).recipient.cred().user());
            c.flush();
        }, 30);
        if (!conversations.await(60, TimeUnit.SECONDS)) {
            problem("conversations were not created within 60 s");
            closeAll(senders);
            return connectionChecks(senders);
        }

        phase("queueing");
        queued = new CountDownLatch(pairs.size());
        long queueStart = Micros.now();
        onEachLoop(senders, c -> {
            Pair p = (Pair) c.attachment;
            int first = Math.min(params.window(), n);
            for (int i = 0; i < first; i++) {
                c.send(p.slot, Micros.now(), params.bodyBytes());
            }
            p.sent = first;
            c.flush();
        }, 30);
        if (!queued.await(params.durationSec() + params.drainTimeoutSec(), TimeUnit.SECONDS)) {
            problem("messages were not all stored within " + (params.durationSec() + params.drainTimeoutSec()) + " s");
        }
        fix("queueMicros", Micros.now() - queueStart);
        closeAll(senders);

        if (!warmupRecipients.isEmpty()) {
            phase("warming");
            for (Conn r : warmupRecipients) {
                warmupLatch = new CountDownLatch(2); // drained and synced
                connectAll(List.of(r), 120);
                if (!warmupLatch.await(params.drainTimeoutSec(), TimeUnit.SECONDS)) {
                    problem("a warm-up drain did not finish within " + params.drainTimeoutSec() + " s");
                    break;
                }
            }
        }

        phase("draining");
        drainedLatch = new CountDownLatch(recipients.size());
        syncedLatch = new CountDownLatch(recipients.size());
        long drainStart = Micros.now();
        connectAll(recipients, 120);
        boolean all = drainedLatch.await(params.drainTimeoutSec(), TimeUnit.SECONDS)
                & syncedLatch.await(5, TimeUnit.SECONDS);
        fix("drainAllMicros", Micros.now() - drainStart);
        if (!all) {
            problem("offline queue not drained within " + params.drainTimeoutSec() + " s");
        }

        List<Conn> allRecipients = new ArrayList<>(warmupRecipients);
        allRecipients.addAll(recipients);
        AtomicLongArray sums = new AtomicLongArray(5);
        onEachLoop(allRecipients, c -> {
            Pair p = (Pair) c.attachment;
            long last = p.slot.maxSentSeq;
            ConvSlot s = null;
            for (ConvSlot x : c.slots()) {
                if (x.conv.equals(p.slot.conv)) {
                    s = x;
                }
            }
            Verification v = s == null ? new Verification(0, last, 0, 0, 0, 0, 0, 0, 0) : s.verifier.finish(last);
            sums.addAndGet(0, v.received());
            sums.addAndGet(1, v.lost());
            sums.addAndGet(2, v.duplicated());
            sums.addAndGet(3, v.misordered());
            sums.addAndGet(4, v.unexpected() + (last == n ? 0 : Math.abs(n - last)));
        }, 30);
        List<Conn> everyone = new ArrayList<>(senders);
        everyone.addAll(allRecipients);
        Verification v = new Verification(sums.get(0), sums.get(1), sums.get(2), sums.get(3), 0, 0, sums.get(4), 0,
                counter(LOST)).plus(connectionChecks(everyone));
        closeAll(allRecipients);
        return v;
    }

    @Override
    protected void opened(Conn c) {
        Pair p = (Pair) c.attachment;
        if (c == p.recipient) {
            c.sync();
            c.flush();
        }
    }

    @Override
    public void onConversation(Conn c, ConvSlot slot) {
        Pair p = (Pair) c.attachment;
        if (c == p.sender && p.slot == null) {
            p.slot = slot;
            conversations.countDown();
        }
    }

    @Override
    public void onSent(Conn c, ConvSlot slot, long seq) {
        Pair p = (Pair) c.attachment;
        count(SENT);
        if (p.sent < params.messages()) {
            c.send(slot, Micros.now(), params.bodyBytes());
            p.sent++;
        } else if (c.outstanding() == 0) {
            queued.countDown();
        }
    }

    @Override
    public void onSlot(Conn c, ConvSlot slot) {
        Pair p = (Pair) c.attachment;
        if (c == p.recipient) {
            slot.verifier.expectFrom(1);
        }
    }

    @Override
    public void onMessage(Conn c, ConvSlot slot, long seq, boolean fromSelf, long sentMicros, long nowMicros) {
        Pair p = (Pair) c.attachment;
        if (c != p.recipient || fromSelf) {
            return;
        }
        count(DELIVERED);
        if (!p.drained && seq >= params.messages() && slot.verifier.complete(params.messages())) {
            p.drained = true;
            if (p.warmup) {
                if (pairs.get(0) == p) {
                    fix("warmupFirstMicros", nowMicros - c.connectStartMicros);
                } else {
                    record("warmupDrain", nowMicros - c.connectStartMicros);
                }
                warmupLatch.countDown();
            } else {
                record("drain", nowMicros - c.connectStartMicros);
                drainedLatch.countDown();
            }
        }
    }

    @Override
    public void onSynced(Conn c) {
        if (((Pair) c.attachment).warmup) {
            warmupLatch.countDown();
            return;
        }
        record("synced", Micros.now() - c.connectStartMicros);
        syncedLatch.countDown();
    }
}
