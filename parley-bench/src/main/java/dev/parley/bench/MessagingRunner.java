package dev.parley.bench;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Recorder;

/**
 * The worker of the {@code throughput}, {@code latency} and {@code fanout} scenarios: units are
 * groups whose first member sends and the others receive (a pair is a group of two and talks in
 * a direct conversation; larger groups use a group conversation).
 *
 * <p><b>Sending.</b> {@code throughput} and {@code fanout} keep {@code window} sends without a
 * {@code sent} reply per sender (closed loop). {@code latency} offers a fixed rate (open loop): a
 * 1 ms tick per event loop sends what is due, and each message carries the time it was
 * <em>due</em>, so a server that falls behind shows up as latency rather than as a lower rate
 * (no coordinated omission); the window then only caps what is in flight.
 *
 * <p><b>Measuring.</b> After the warm-up, deliveries to receivers (not the sender's own copy) are
 * counted while the measurement window is open, and the latency of every message sent within it
 * is recorded (receive time minus the send time carried in its body): {@code latency} for every
 * delivery and {@code last} for the delivery that completes a message's fan-out.
 *
 * <p><b>Verifying.</b> After sending stops, it waits until every sender has its replies and every
 * receiver has reached its sender's last sequence number (bounded by the drain timeout), then
 * each receiver's (and each syncing sender's) {@link SeqVerifier} must account for sequence
 * numbers 1 to the last one exactly once, in order.
 *
 * <p><b>Capacity mode</b> ({@code connections --pairs}): units of one are idle connections that
 * only heartbeat, pairs talk in rate mode, every connection pings from the moment it is open
 * (connecting a hundred thousand takes longer than the server's idle timeout), and the worker
 * holds at the {@code holding} and {@code closing} barriers with the other workers, so that
 * messages flow while every connection of the run is open.
 *
 * <p>About 400 lines: the closed and open loops and the fan-out share the verification and the
 * per-conversation bookkeeping here, which keeps what a run checks in one place.
 */
final class MessagingRunner extends Runner {
    /** A group (or pair) of this worker. */
    private static final class Group {
        final Conn sender;
        final List<Conn> receivers;
        volatile ConvSlot slot;
        /** For fan-out above one receiver: deliveries so far per in-window sequence number. */
        final Map<Long, AtomicInteger> arrivals = new ConcurrentHashMap<>();
        // Rate mode, confined to the sender's event loop.
        long scheduled;
        /** Rate mode: where in its send interval this sender sends, as a fraction in [0, 1). */
        double phase;

        Group(Conn sender, List<Conn> receivers) {
            this.sender = sender;
            this.receivers = receivers;
        }
    }

    private final boolean rateMode;
    private final boolean capacity;
    private final List<Conn> idle = new ArrayList<>();
    private final LongAdder sent = adder(SENT);
    private final LongAdder measuredSent = adder("measuredSent");
    private final LongAdder delivered = adder(DELIVERED);
    private final LongAdder measuredDelivered = adder("measuredDelivered");
    private final Recorder latency = recorder("latency");
    private final Recorder last = recorder("last");
    private final List<Group> groups = new ArrayList<>();
    private final List<Conn> all = new ArrayList<>();
    private final Map<String, Group> byConv = new ConcurrentHashMap<>();
    private CountDownLatch conversations;
    private CountDownLatch groupAddsAllowed;
    private CountDownLatch synced;

    private volatile boolean sending;
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureUntil = Long.MAX_VALUE;
    private long rateStart;
    private double perSenderPerMicro;

    MessagingRunner(WorkerSpec spec, Consumer<WorkerEvent> sink) {
        super(spec, sink);
        this.capacity = spec.scenario().equals("connections");
        this.rateMode = spec.scenario().equals("latency") || capacity;
    }

    @Override
    protected Verification scenario() throws Exception {
        for (List<Cred> unit : spec.units()) {
            if (unit.size() == 1) {
                Conn c = new Conn(unit.get(0), this);
                idle.add(c);
                all.add(c);
                continue;
            }
            Conn sender = new Conn(unit.get(0), this);
            List<Conn> receivers = new ArrayList<>();
            for (Cred c : unit.subList(1, unit.size())) {
                receivers.add(new Conn(c, this));
            }
            Group g = new Group(sender, receivers);
            sender.attachment = g;
            receivers.forEach(r -> r.attachment = g);
            groups.add(g);
            all.add(sender);
            all.addAll(receivers);
        }
        phase("connecting");
        if (!connectAll(all, CONNECT_STALL_SEC, capacity ? CONNECT_CAP_SEC : 120)) {
            closeAll(all);
            return new Verification(0, 0, 0, 0, 0, 0, 0, 0, counter(FAILED));
        }

        phase("preparing");
        List<Conn> joiners = groups.stream().filter(g -> g.receivers.size() > 1)
                .flatMap(g -> g.receivers.stream()).toList();
        groupAddsAllowed = new CountDownLatch(joiners.size());
        for (Conn r : joiners) {
            r.execute(() -> {
                r.allowGroupAdds();
                r.flush();
            });
        }
        if (!groupAddsAllowed.await(120, TimeUnit.SECONDS) || counter(ERRORS) > 0) {
            problem("group members did not allow group adds within 120 s");
            closeAll(all);
            return connectionChecks(all);
        }
        conversations = new CountDownLatch(groups.size());
        for (Group g : groups) {
            g.sender.execute(() -> {
                if (g.receivers.size() == 1) {
                    g.sender.openDirect(g.receivers.get(0).cred().user());
                } else {
                    g.sender.createGroup("bench", g.receivers.stream().map(r -> r.cred().user()).toList());
                }
                g.sender.flush();
            });
        }
        if (!conversations.await(120, TimeUnit.SECONDS) || counter(ERRORS) > 0) {
            problem("conversations were not created within 120 s");
            closeAll(all);
            return connectionChecks(all);
        }
        List<Conn> syncing = new ArrayList<>();
        for (Group g : groups) {
            if (params.senderSync()) {
                syncing.add(g.sender);
            }
            syncing.addAll(g.receivers);
        }
        synced = new CountDownLatch(syncing.size());
        onEachLoop(syncing, c -> {
            c.sync();
            c.flush();
        }, 30);
        if (!synced.await(120, TimeUnit.SECONDS)) {
            problem("sync did not complete within 120 s");
        }
        if (capacity) {
            barrier("holding", CONNECT_CAP_SEC + 300);
        }

        long start = Micros.now();
        List<ScheduledFuture<?>> ticks = new ArrayList<>();
        sending = true;
        if (rateMode) {
            rateStart = start;
            perSenderPerMicro = groups.isEmpty() ? 0 : params.ratePerSec() / groups.size() / 1e6;
            spreadPhases();
            for (Map.Entry<EventLoop, List<Conn>> e : byLoop(groups.stream().map(g -> g.sender).toList()).entrySet()) {
                List<Conn> senders = e.getValue();
                ticks.add(e.getKey().scheduleAtFixedRate(() -> tick(senders), 0, 1, TimeUnit.MILLISECONDS));
            }
        } else {
            onEachLoop(groups.stream().map(g -> g.sender).toList(), c -> {
                Group g = (Group) c.attachment;
                for (int i = 0; i < params.window(); i++) {
                    c.send(g.slot, Micros.now(), params.bodyBytes());
                }
                c.flush();
            }, 30);
        }
        if (params.warmupSec() > 0) {
            phase("warmup");
            sleepUntil(start + params.warmupSec() * 1_000_000L);
        }
        long from = Micros.now();
        measureFrom = from;
        phase("measuring");
        sleepUntil(from + params.durationSec() * 1_000_000L);
        long until = Micros.now();
        measureUntil = until;
        sending = false;
        ticks.forEach(t -> t.cancel(false));
        fix("measureMicros", until - from);

        phase("draining");
        long deadline = Micros.now() + params.drainTimeoutSec() * 1_000_000L;
        while (!drained() && Micros.now() < deadline) {
            Thread.sleep(20);
        }
        fix("drainMicros", Micros.now() - until);
        if (!drained()) {
            problem("not drained within " + params.drainTimeoutSec() + " s after sending stopped");
        }
        if (capacity) {
            barrier("closing", closingBarrierTimeoutSec());
            stopHeartbeats();
        }
        Verification v = verify();
        closeAll(all);
        return v;
    }

    private boolean drained() {
        for (Group g : groups) {
            if (g.sender.state() != Conn.State.OPEN) {
                continue; // a lost sender will not drain; the loss fails the run anyway
            }
            if (g.sender.outstanding() > 0) {
                return false;
            }
            long last = g.slot.maxSentSeq;
            for (Conn r : g.receivers) {
                if (r.state() != Conn.State.OPEN) {
                    continue;
                }
                ConvSlot s = slotOf(r, g);
                if (s == null ? last > 0 : s.delivered < last) {
                    return false;
                }
            }
            if (params.senderSync() && g.slot.delivered < last) {
                return false;
            }
        }
        return true;
    }

    private static ConvSlot slotOf(Conn c, Group g) {
        for (ConvSlot s : c.slots()) {
            if (s.conv.equals(g.slot.conv)) {
                return s;
            }
        }
        return null;
    }

    private Verification verify() throws InterruptedException {
        // Read every connection's state on its own event loop.
        AtomicLongArray sums = new AtomicLongArray(9);
        for (Group g : groups) {
            CountDownLatch done = new CountDownLatch(1);
            long[] sent = new long[3];
            g.sender.execute(() -> {
                sent[0] = g.slot.maxSentSeq;
                sent[1] = g.slot.sentAcked;
                sent[2] = g.slot.sentDuplicates;
                done.countDown();
            });
            if (!done.await(10, TimeUnit.SECONDS)) {
                sums.addAndGet(8, 1);
                continue;
            }
            long last = sent[0];
            sums.addAndGet(6, sent[2] + Math.abs(sent[1] - last));
            List<Conn> checked = new ArrayList<>(g.receivers);
            if (params.senderSync()) {
                checked.add(g.sender);
            }
            onEachLoop(checked, c -> {
                ConvSlot s = slotOf(c, g);
                Verification v = s == null ? new Verification(0, last, 0, 0, 0, 0, 0, 0, 0) : s.verifier.finish(last);
                sums.addAndGet(0, c == g.sender ? 0 : v.received());
                sums.addAndGet(1, v.lost());
                sums.addAndGet(2, v.duplicated());
                sums.addAndGet(3, v.misordered());
                sums.addAndGet(4, v.unexpected());
            }, 30);
        }
        Verification streams = new Verification(sums.get(0), sums.get(1), sums.get(2), sums.get(3), sums.get(4), 0,
                sums.get(6), 0, sums.get(8) + counter(LOST));
        return streams.plus(connectionChecks(all));
    }

    /** Rate mode: spreads the senders evenly over one send interval ({@link SendSchedule}). */
    private void spreadPhases() {
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).phase = SendSchedule.phase(i, groups.size(), spec.worker());
        }
    }

    /** Rate mode: sends what is due on one event loop's senders. */
    private void tick(List<Conn> senders) {
        if (!sending) {
            return;
        }
        double intervals = (Micros.now() - rateStart) * perSenderPerMicro;
        for (Conn c : senders) {
            Group g = (Group) c.attachment;
            long dueTotal = SendSchedule.dueBy(intervals, g.phase);
            boolean wrote = false;
            while (g.scheduled < dueTotal) {
                if (c.outstanding() >= params.window()) {
                    count("windowFull");
                    break;
                }
                long due = SendSchedule.dueMicros(rateStart, g.scheduled, g.phase, perSenderPerMicro);
                c.send(g.slot, due, params.bodyBytes());
                g.scheduled++;
                wrote = true;
            }
            if (wrote) {
                c.flush();
            }
        }
    }

    // ---- connection events (event loops) ------------------------------------------------------

    @Override
    protected void opened(Conn c) {
        if (capacity) {
            startHeartbeat(c);
        }
    }

    @Override
    public void onGroupAddsAllowed(Conn c) {
        groupAddsAllowed.countDown();
    }

    @Override
    public void onConversation(Conn c, ConvSlot slot) {
        Group g = (Group) c.attachment;
        if (c == g.sender && g.slot == null) {
            slot.verifier.expectFrom(1);
            slot.attachment = g;
            byConv.put(slot.conv, g);
            g.slot = slot;
            conversations.countDown();
        }
    }

    @Override
    public void onSlot(Conn c, ConvSlot slot) {
        Group g = byConv.get(slot.conv);
        if (g != null && c != g.sender) {
            slot.verifier.expectFrom(1);
            slot.attachment = g;
        }
    }

    @Override
    public void onSynced(Conn c) {
        synced.countDown();
    }

    @Override
    public void onSent(Conn c, ConvSlot slot, long seq) {
        long now = Micros.now();
        sent.increment();
        if (now >= measureFrom && now < measureUntil) {
            measuredSent.increment();
        }
        if (sending && !rateMode) {
            c.send(slot, now, params.bodyBytes());
        }
    }

    @Override
    public void onMessage(Conn c, ConvSlot slot, long seq, boolean fromSelf, long sentMicros, long nowMicros) {
        if (fromSelf) {
            return;
        }
        delivered.increment();
        if (nowMicros >= measureFrom && nowMicros < measureUntil) {
            measuredDelivered.increment();
        }
        if (sentMicros < measureFrom || sentMicros >= measureUntil) {
            return;
        }
        long micros = nowMicros - sentMicros;
        record(latency, micros);
        Group g = (Group) slot.attachment;
        if (g == null) {
            return;
        }
        if (g.receivers.size() == 1) {
            record(last, micros);
        } else {
            AtomicInteger n = g.arrivals.computeIfAbsent(seq, k -> new AtomicInteger());
            if (n.incrementAndGet() == g.receivers.size()) {
                g.arrivals.remove(seq);
                record(last, micros);
            }
        }
    }
}
