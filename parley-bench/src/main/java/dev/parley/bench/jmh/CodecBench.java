package dev.parley.bench.jmh;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The frame codec on the two frames every message costs the server: decoding the sender's
 * {@code send} and encoding the {@code message} event for each recipient device (and the reverse
 * directions, which clients and the SDK pay). 100-byte bodies, as in the throughput scenario.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBench {
    private static final String BODY = "1234567890:" + "x".repeat(89);

    private FrameCodec codec;
    private ClientFrame.Send send;
    private String sendJson;
    private ServerFrame.MessageEvent event;
    private String eventJson;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

    @Setup
    public void setUp() {
        codec = new FrameCodec();
        send = new ClientFrame.Send("m123456", "d:bench0001u12:bench0001u13", "c123456", BODY, null);
        sendJson = codec.encode(send);
        event = new ServerFrame.MessageEvent(987_654, new ServerFrame.MessageView("d:bench0001u12:bench0001u13",
                123_456, "01JH2Q3R4S5T6V7W8X9Y0Z", "bench0001u12", "dev_a1b2c3d4e", "c123456",
                1_733_000_000_000L, BODY, null));
        eventJson = codec.encode(event);
    }

    /** Server side of a send: text frame to a validated {@link ClientFrame}. */
    @Benchmark
    public ClientFrame decodeSend() {
        return codec.decodeClient(sendJson);
    }

    /**
     * Server side of a delivery: a {@code message} event encoded into a buffer, once per recipient
     * device (the server streams it into the connection's pooled buffer the same way).
     */
    @Benchmark
    public int encodeMessageEvent() throws IOException {
        out.reset();
        codec.encode(event, out);
        return out.size();
    }

    /** Client side of a send. */
    @Benchmark
    public String encodeSend() {
        return codec.encode(send);
    }

    /** Client side of a delivery. */
    @Benchmark
    public ServerFrame decodeMessageEvent() {
        return codec.decodeServer(eventJson);
    }
}
