package dev.parley.server;

import dev.parley.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The transport's meters, in the registry the core also records into.
 *
 * <p>Names (Prometheus adds {@code _total} to counters and turns dots into underscores):
 * <ul>
 *   <li>{@code parley.ws.frames.in} / {@code parley.ws.frames.out}: WebSocket frames received
 *       (every data frame, before decoding) and sent;</li>
 *   <li>{@code parley.errors{code}}: error replies by {@link ErrorCode}, shared with the core, so
 *       decoding errors counted here and request errors counted by the core are one series;</li>
 *   <li>{@code parley.ws.connections}: open WebSocket connections (the core's
 *       {@code parley.sessions} counts authenticated ones);</li>
 *   <li>{@code parley.ws.frames.refused}: frames refused by a connection's rate limit (pings left
 *       unanswered, requests answered with {@code RATE_LIMITED}, bad frames dropped unanswered);</li>
 *   <li>{@code parley.ws.outbound.overflows}: connections closed with 1008 because the bytes
 *       waiting for them would have passed {@code limits.outboundHardLimitBytes};</li>
 *   <li>{@code parley.ws.reader.stalls}: connections closed with 1008 because reading from them
 *       was paused (the client did not read) for {@code server.idleTimeoutSeconds};</li>
 *   <li>{@code parley.ws.outbound.peak.bytes}: the most bytes seen waiting for one connection
 *       since the start, sampled when a write leaves a connection above its high-water mark;</li>
 *   <li>{@code parley.ws.close.timeouts}: connections dropped because their close frame was not
 *       written within {@code server.closeTimeoutMs};</li>
 *   <li>{@code parley.ws.heartbeat.reply}: from the read that brought a {@code ping} request to
 *       the flush that handed its {@code pong} to the kernel: the server's share of a heartbeat's
 *       round trip (event-loop queueing included), as a histogram;</li>
 *   <li>{@code parley.http.requests{method,route,status}}: REST requests and their latency,
 *       tagged with the route template, never the raw path.</li>
 * </ul>
 * Thread-safe.
 */
public final class ServerMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final JvmGcMetrics gc;
    private final Counter framesIn;
    private final Counter framesOut;
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
    private final AtomicInteger connections = new AtomicInteger();
    private final Counter framesRefused;
    private final Counter outboundOverflows;
    private final Counter closeTimeouts;
    private final Counter readerStalls;
    private final AtomicLong outboundPeak = new AtomicLong();
    private final Timer heartbeatReply;

    private ServerMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, boolean bindJvm) {
        this.registry = registry;
        this.prometheus = prometheus;
        if (bindJvm) {
            new ClassLoaderMetrics().bindTo(registry);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
            this.gc = new JvmGcMetrics();
            gc.bindTo(registry);
        } else {
            this.gc = null;
        }
        this.framesIn = Counter.builder("parley.ws.frames.in").description("WebSocket data frames received")
                .register(registry);
        this.framesOut = Counter.builder("parley.ws.frames.out").description("WebSocket frames sent")
                .register(registry);
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, registry.counter("parley.errors", "code", c.name()));
        }
        registry.gauge("parley.ws.connections", connections);
        this.framesRefused = Counter.builder("parley.ws.frames.refused")
                .description("WebSocket frames refused by the connection's rate limit").register(registry);
        this.outboundOverflows = Counter.builder("parley.ws.outbound.overflows")
                .description("WebSockets closed (1008) for passing the outbound hard limit").register(registry);
        this.closeTimeouts = Counter.builder("parley.ws.close.timeouts")
                .description("WebSockets dropped because their close frame was not written in time").register(registry);
        this.readerStalls = Counter.builder("parley.ws.reader.stalls")
                .description("WebSockets closed (1008) because the client read nothing for the idle timeout")
                .register(registry);
        registry.gauge("parley.ws.outbound.peak.bytes", outboundPeak);
        this.heartbeatReply = Timer.builder("parley.ws.heartbeat.reply")
                .description("From reading a ping request to flushing its pong")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Prometheus metrics with JVM and process meters bound, served on {@code /metrics}. */
    public static ServerMetrics prometheus() {
        PrometheusMeterRegistry p = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new ServerMetrics(p, p, true);
    }

    /** Meters kept in memory only ({@code metrics.enabled: false}, unit tests). */
    public static ServerMetrics inMemory() {
        return new ServerMetrics(new SimpleMeterRegistry(), null, false);
    }

    /** The registry handed to the core. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Whether {@link #scrape()} has anything to say. */
    public boolean scrapable() {
        return prometheus != null;
    }

    /** Prometheus text exposition format 0.0.4; call only when {@link #scrapable()}. */
    public String scrape() {
        if (prometheus == null) {
            throw new IllegalStateException("metrics are disabled");
        }
        return prometheus.scrape();
    }

    /** One WebSocket data frame received. */
    public void frameIn() {
        framesIn.increment();
    }

    /** A pong was flushed {@code nanos} after the read that brought its ping. */
    public void heartbeatReplied(long nanos) {
        heartbeatReply.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One WebSocket frame sent. */
    public void frameOut() {
        framesOut.increment();
    }

    /** One error reply with {@code code}, WebSocket or REST. */
    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    /** A frame was refused by its connection's rate limit. */
    public void frameRefused() {
        framesRefused.increment();
    }

    /** A connection was closed because its outbound bytes would have passed the hard limit. */
    public void outboundOverflow() {
        outboundOverflows.increment();
    }

    /** A connection was closed because its client read nothing for the idle timeout. */
    public void readerStalled() {
        readerStalls.increment();
    }

    /** A connection was dropped because its close frame was not written in time. */
    public void closeTimedOut() {
        closeTimeouts.increment();
    }

    /**
     * {@code bytes} are waiting for one connection, which is above its high-water mark (only
     * called then, so that the common write path touches no shared counter).
     */
    public void outboundPending(long bytes) {
        outboundPeak.accumulateAndGet(bytes, Math::max);
    }

    /** The most bytes seen waiting for one connection above its high-water mark; 0 if none was. */
    public long outboundPeakBytes() {
        return outboundPeak.get();
    }

    /** A WebSocket was upgraded. */
    public void connectionOpened() {
        connections.incrementAndGet();
    }

    /** An upgraded WebSocket closed. */
    public void connectionClosed() {
        connections.decrementAndGet();
    }

    /** One REST request answered; {@code route} is a template such as {@code /v1/devices/{deviceId}}. */
    public void httpRequest(String method, String route, int status, long nanos) {
        Timer.builder("parley.http.requests").description("REST requests")
                .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * An HTTP request or connection the transport refused before the REST handler saw it;
     * {@code reason} is one of {@code request_timeout}, {@code body_too_large},
     * {@code version_not_supported}, {@code draining}, {@code connection_limit}.
     */
    public void httpRefused(String reason) {
        Counter.builder("parley.http.refused")
                .description("HTTP requests and connections refused by the transport's limits")
                .tag("reason", reason).register(registry).increment();
    }

    /** Unbinds the JVM meters and closes the registry. */
    @Override
    public void close() {
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }
}
