package dev.parley.bench;

import java.util.List;

/**
 * Everything one worker needs: the server, its share of the work and the scenario's parameters.
 * Serialized to a JSON file for a worker in a child process.
 *
 * @param scenario  connections, throughput, latency, fanout or offline
 * @param worker    this worker's number, from 0
 * @param wsUrls    the chat servers' WebSocket addresses; connection i goes to wsUrls[i mod n]
 * @param ioThreads event-loop threads of this worker
 * @param units     this worker's units of work: one connection, a pair (sender first) or a group (sender first)
 * @param params    the scenario's parameters
 */
record WorkerSpec(String scenario, int worker, List<String> wsUrls, int ioThreads, List<List<Cred>> units, Params params) {

    /**
     * @param durationSec        measured time (connections: how long connections stay idle)
     * @param warmupSec          traffic before measuring starts
     * @param window             most unacknowledged sends per sender
     * @param ratePerSec         offered messages per second of this worker (latency scenario), else 0
     * @param bodyBytes          message body size
     * @param messages           offline: messages queued per offline user
     * @param heartbeatSec       connections: seconds between pings, 0 for the server's advice
     * @param connectConcurrency most connects in flight at once
     * @param drainTimeoutSec    how long to wait for the last messages after sending stops
     * @param senderSync         whether senders sync their own inbox (and so receive their own messages back)
     * @param bindSource         bind sockets to 127.0.0.2, .3, ... (IPv4 loopback servers only)
     * @param warmupUnits        offline: this worker's first units that drain, one after the other, before
     *                           the measured ones (the server's JIT warms on them), reported apart
     * @param connectWarmup      connections: connects opened and closed before the timed ones, so that
     *                           the rate is that of warm code on both sides
     */
    record Params(int durationSec, int warmupSec, int window, double ratePerSec, int bodyBytes, int messages,
                  int heartbeatSec, int connectConcurrency, int drainTimeoutSec, boolean senderSync,
                  boolean bindSource, int warmupUnits, int connectWarmup) {

        Params(int durationSec, int warmupSec, int window, double ratePerSec, int bodyBytes, int messages,
               int heartbeatSec, int connectConcurrency, int drainTimeoutSec, boolean senderSync, boolean bindSource) {
            this(durationSec, warmupSec, window, ratePerSec, bodyBytes, messages, heartbeatSec, connectConcurrency,
                    drainTimeoutSec, senderSync, bindSource, 0, 0);
        }
    }

    int connections() {
        return units.stream().mapToInt(List::size).sum();
    }
}
