package dev.parley.testkit.contract;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A minimal RFC 6455 client over a plain {@link Socket}, for the one thing a real WebSocket
 * library refuses to do: send a text frame whose payload is not valid UTF-8. It performs the
 * opening handshake, writes one masked text frame with the given payload bytes, and reads frames
 * until the server's close frame or the end of the stream.
 */
public final class Rfc6455Probe {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the server did: the close status (1006 when the stream ended without a close frame) and the text frames before it. */
    public record Outcome(int closeStatus, List<String> texts) {
    }

    private Rfc6455Probe() {
    }

    /**
     * Connects to {@code base} ({@code http://host:port}) as the device with {@code token}, sends
     * one text frame carrying {@code payload} as is, and returns how the server answered.
     */
    public static Outcome sendText(URI base, String token, byte[] payload, Duration timeout) throws IOException {
        return exchange(base, token, false, List.of(maskedFrame(0x1, payload)), Integer.MAX_VALUE, timeout);
    }

    /**
     * Connects as the device with {@code token} and sends {@code frames} (whole wire frames, see
     * {@link #maskedFrame}) after the handshake's answer, or in the handshake's own write when
     * {@code behindHandshake}; returns the text frames until the server's close, or the first
     * {@code texts} of them (then the status is 0: the connection was left open).
     */
    public static Outcome exchange(URI base, String token, boolean behindHandshake, List<byte[]> frames,
                                   int texts, Duration timeout) throws IOException {
        String host = base.getHost();
        int port = base.getPort() > 0 ? base.getPort() : 80;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            String request = "GET /ws?v=1 HTTP/1.1\r\n"
                    + "Host: " + host + ":" + port + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer " + token + "\r\n"
                    + "\r\n";
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(request.getBytes(StandardCharsets.US_ASCII));
            if (behindHandshake) {
                frames.forEach(all::writeBytes);
            }
            out.write(all.toByteArray());
            out.flush();
            String status = readHeaders(in);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("handshake refused: " + status);
            }
            if (!behindHandshake) {
                for (byte[] f : frames) {
                    out.write(f);
                }
                out.flush();
            }
            return readUntilClose(in, texts, timeout);
        }
    }

    private static Outcome readUntilClose(InputStream in, int wanted, Duration timeout) throws IOException {
        List<String> texts = new ArrayList<>();
        try {
            while (texts.size() < wanted) {
                int b0 = readByte(in);
                int b1 = readByte(in);
                int opcode = b0 & 0x0f;
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = ((long) readByte(in) << 8) | readByte(in);
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | readByte(in);
                    }
                }
                byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
                byte[] data = in.readNBytes((int) len);
                if (data.length < len) {
                    return new Outcome(1006, texts);
                }
                if (mask != null) {
                    for (int i = 0; i < data.length; i++) {
                        data[i] ^= mask[i % 4];
                    }
                }
                if (opcode == 0x8) {
                    int code = data.length >= 2 ? ((data[0] & 0xff) << 8) | (data[1] & 0xff) : 1005;
                    return new Outcome(code, texts);
                }
                if (opcode == 0x1) {
                    texts.add(new String(data, StandardCharsets.UTF_8));
                }
            }
            return new Outcome(0, texts);
        } catch (EOFException e) {
            return new Outcome(1006, texts);
        } catch (SocketTimeoutException e) {
            throw new IOException("the server neither closed the connection nor answered within " + timeout
                    + "; frames: " + texts, e);
        }
    }

    /** A close frame with {@code status} and no reason. */
    public static byte[] closeFrame(int status) {
        return maskedFrame(0x8, new byte[] {(byte) (status >>> 8), (byte) status});
    }

    private static String readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = readByte(in);
            buf.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String head = buf.toString(StandardCharsets.US_ASCII);
        return head.substring(0, head.indexOf("\r\n"));
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    /** One final frame as a client sends it: masked with a random key. */
    public static byte[] maskedFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x80 | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) (((long) payload.length >>> (8 * i)) & 0xff));
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        f.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i % 4]);
        }
        return f.toByteArray();
    }
}
