package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JfrSummaryTest {

    @Test
    void countsOnlyTheSamplesInsideTheSpan(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("busy.jfr");
        Instant busyFrom;
        Instant busyTo;
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
            r.start();
            busyFrom = Instant.now();
            spin(Duration.ofMillis(400));
            busyTo = Instant.now();
            r.stop();
            r.dump(file);
        }

        JfrSummary.Summary all = JfrSummary.read(file, 5);
        JfrSummary.Summary inside = JfrSummary.read(file, 5, new CpuWindow.Span(busyFrom, busyTo));
        JfrSummary.Summary before = JfrSummary.read(file, 5,
                new CpuWindow.Span(busyFrom.minusSeconds(60), busyFrom.minusSeconds(30)));

        assertThat(all.samples()).isPositive();
        assertThat(inside.samples()).isPositive().isLessThanOrEqualTo(all.samples());
        assertThat(before.samples()).isZero();
        assertThat(inside.topFrames()).isNotEmpty();
        assertThat(inside.parleyFrames()).extracting(JfrSummary.Entry::method)
                .anyMatch(m -> m.startsWith("dev.parley.bench.JfrSummaryTest"));
    }

    private static long spin(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        long x = 0;
        while (System.nanoTime() < end) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        return x;
    }
}
