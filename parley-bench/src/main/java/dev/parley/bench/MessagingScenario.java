package dev.parley.bench;

import java.util.List;
import picocli.CommandLine.Mixin;

/**
 * The scenarios where senders send to receivers (throughput, latency, fanout): their options, the
 * worker parameters they make, and the CPU of both sides over the measured window.
 */
abstract class MessagingScenario extends ScenarioCommand {
    @Mixin
    MessagingOptions messaging;

    int defaultWindow() {
        return 16;
    }

    int effectiveWindow() {
        return messaging.window > 0 ? messaging.window : defaultWindow();
    }

    @Override
    String validate() {
        return messaging.validate(effectiveWindow());
    }

    @Override
    WorkerSpec.Params params() {
        return new WorkerSpec.Params(messaging.duration, messaging.warmup, effectiveWindow(), 0, messaging.size, 0, 0, 0,
                messaging.drainTimeout, messaging.senderSync, true);
    }

    @Override
    int timeoutSec() {
        return 120 + 60 + 60 + messaging.warmup + messaging.duration + messaging.drainTimeout + 60;
    }

    /** Set by {@link #beforeRun}: the CPU of the server side and of the load generator while measuring. */
    private CpuWindow cpu;

    @Override
    CpuWindow profiledWindow() {
        return cpu;
    }

    @Override
    void beforeRun(BenchCommand.Server server, Coordinator co) {
        CpuWindow window = new CpuWindow(server);
        co.onPhase("measuring", window::start);
        co.onPhase("draining", window::end);
        cpu = window;
    }

    void messagingRows(Report r, Coordinator co, List<WorkerEvent> results) {
        ScenarioRows.messagingRows(r, results, messaging.duration);
        if (cpu != null) {
            CpuWindow.row(r, cpu.usage(), ScenarioCommand.measuredRate(results, "measuredDelivered"));
        }
    }
}
