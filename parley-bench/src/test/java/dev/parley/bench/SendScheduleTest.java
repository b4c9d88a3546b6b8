package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendScheduleTest {

    @Test
    void sendersTogetherOfferAnEvenlySpacedStream() {
        int senders = 100;
        double perSenderPerMicro = 8_000.0 / senders / 1e6; // 8,000 msg/s over all senders
        long oneSecond = 1_000_000 - 1; // the next message (of sender 0) is due at 1 s itself
        List<Long> dues = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            double phase = SendSchedule.phase(i, senders, 0);
            long due = SendSchedule.dueBy(oneSecond * perSenderPerMicro, phase);
            for (long k = 0; k < due; k++) {
                dues.add(SendSchedule.dueMicros(0, k, phase, perSenderPerMicro));
            }
        }
        Collections.sort(dues);

        assertThat(dues).hasSize(8_000);
        long interval = 125; // µs between messages at 8,000/s
        for (int j = 1; j < dues.size(); j++) {
            assertThat(dues.get(j) - dues.get(j - 1)).isBetween(interval - 1, interval + 1);
        }
    }

    @Test
    void aMessageIsDueOnceItsTimeHasCome() {
        double phase = 0.25;
        assertThat(SendSchedule.dueBy(0.0, phase)).isZero();
        assertThat(SendSchedule.dueBy(0.249, phase)).isZero();
        assertThat(SendSchedule.dueBy(0.25, phase)).isEqualTo(1);
        assertThat(SendSchedule.dueBy(1.249, phase)).isEqualTo(1);
        assertThat(SendSchedule.dueBy(1.25, phase)).isEqualTo(2);
        // each one stamped with when it was due, not when the tick found it
        assertThat(SendSchedule.dueMicros(1_000, 1, phase, 1.0 / 1_000)).isEqualTo(1_000 + 1_250);
    }

    @Test
    void workersDoNotLineUp() {
        assertThat(SendSchedule.phase(0, 10, 0)).isZero();
        assertThat(SendSchedule.phase(0, 10, 1)).isBetween(0.6, 0.65);
        for (int w = 0; w < 8; w++) {
            for (int i = 0; i < 10; i++) {
                assertThat(SendSchedule.phase(i, 10, w)).isGreaterThanOrEqualTo(0).isLessThan(1);
            }
        }
    }
}
