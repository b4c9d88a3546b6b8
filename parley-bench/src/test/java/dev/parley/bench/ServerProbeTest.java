package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

class ServerProbeTest {
    private static final String BEFORE = """
            # HELP parley_ws_heartbeat_reply_seconds From reading a ping request to flushing its pong
            # TYPE parley_ws_heartbeat_reply_seconds histogram
            parley_ws_heartbeat_reply_seconds_bucket{le="1.0E-5"} 0
            parley_ws_heartbeat_reply_seconds_bucket{le="1.0E-4"} 10
            parley_ws_heartbeat_reply_seconds_bucket{le="0.001"} 20
            parley_ws_heartbeat_reply_seconds_bucket{le="0.1"} 20
            parley_ws_heartbeat_reply_seconds_bucket{le="+Inf"} 20
            parley_ws_heartbeat_reply_seconds_count 20
            parley_ws_frames_in_total 7.0
            """;
    private static final String AFTER = """
            parley_ws_heartbeat_reply_seconds_bucket{le="1.0E-5"} 0
            parley_ws_heartbeat_reply_seconds_bucket{le="1.0E-4"} 910
            parley_ws_heartbeat_reply_seconds_bucket{le="0.001"} 1015
            parley_ws_heartbeat_reply_seconds_bucket{le="0.1"} 1019
            parley_ws_heartbeat_reply_seconds_bucket{le="+Inf"} 1020
            """;

    @Test
    void percentilesOfTheRepliesBetweenTwoReadingsAreTheirBucketBounds() {
        NavigableMap<Double, Long> before = ServerProbe.parseBuckets(BEFORE, ServerProbe.HEARTBEAT_REPLY);
        NavigableMap<Double, Long> after = ServerProbe.parseBuckets(AFTER, ServerProbe.HEARTBEAT_REPLY);
        assertThat(before).hasSize(5).containsEntry(1.0E-4, 10L).containsEntry(Double.POSITIVE_INFINITY, 20L);

        // 1,000 replies in between: 900 ≤ 0.1 ms, 95 more ≤ 1 ms, 4 more ≤ 100 ms, 1 beyond.
        double[] p = ServerProbe.percentilesBetween(before, after);
        assertThat(p).containsExactly(1000, 1.0E-4, 0.001, 0.1);
        assertThat(ServerProbe.percentilesBetween(after, after)).as("nothing recorded").isNull();
        assertThat(ServerProbe.percentilesBetween(before, ServerProbe.parseBuckets("", ServerProbe.HEARTBEAT_REPLY))).isNull();
    }
}
