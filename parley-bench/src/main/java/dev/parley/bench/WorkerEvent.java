package dev.parley.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What a worker reports to the coordinator: a progress snapshot (every second and at every phase
 * change) or its final result. Workers in child processes write these as JSON lines on stdout
 * prefixed with {@link #PREFIX}; workers in the coordinator's process hand them over directly.
 *
 * @param kind         {@code progress}, {@code barrier} (the worker waits in {@code phase} until the
 *                     coordinator releases it, once every worker has arrived) or {@code result}
 * @param worker       the worker's number
 * @param phase        the phase the worker is in (connecting, holding, measuring, ...)
 * @param counters     cumulative counts since the worker started, by name
 * @param histograms   latency recorded since the previous event, by name, {@link Hist#encode encoded}
 * @param verification (result only) what the worker checked
 * @param problems     (result only) failure reasons with how often each happened
 * @param transport    (result only) the Netty transport used
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record WorkerEvent(String kind, int worker, String phase, Map<String, Long> counters, Map<String, String> histograms,
                   Verification verification, Map<String, Long> problems, String transport) {
    static final String PREFIX = "@@bench ";

    static final String BARRIER = "barrier";

    boolean isResult() {
        return "result".equals(kind);
    }
}
