package dev.parley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the WebSocket opening handshake (RFC 6455 section 4.1), written by hand so
 * that a connect costs the load generator a few hundred bytes and one digest instead of Netty's
 * HTTP codec, aggregator and handshaker (header maps, a full request and response object, three
 * handlers added and removed per connection): on two shared cores every microsecond the load
 * generator spends is one the server does not get.
 *
 * <p>On channel active it writes the upgrade request (a fresh random {@code Sec-WebSocket-Key},
 * {@code Authorization: Bearer <token>}), then reads the response up to its blank line and
 * accepts only a {@code 101} with {@code Upgrade: websocket}, a {@code Connection} header holding
 * the token {@code upgrade}, the {@code Sec-WebSocket-Accept} derived from its key, and no
 * extension or subprotocol it did not ask for. Anything else fails the connection with a
 * {@link WebSocketHandshakeException} (naming the status when it was not 101). On success it
 * puts Netty's version 13 frame decoder (unmasked server frames, no extensions) and a masking
 * encoder in its place and removes itself; bytes that arrived after the response's blank line
 * go on to the frame decoder.
 */
final class ClientHandshake extends ByteToMessageDecoder {
    static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** A response head longer than this is refused. */
    static final int MAX_RESPONSE_HEAD = 8192;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    /** The request for one server, all but the key and the token; shared by its connections. */
    static final class Request {
        private final byte[] head;

        /** @param wsUri {@code ws://host:port/path?query} */
        Request(URI wsUri) {
            String path = wsUri.getRawPath() == null || wsUri.getRawPath().isEmpty() ? "/" : wsUri.getRawPath();
            if (wsUri.getRawQuery() != null) {
                path += "?" + wsUri.getRawQuery();
            }
            String host = wsUri.getHost() + (wsUri.getPort() == -1 ? "" : ":" + wsUri.getPort());
            head = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final Request request;
    private final byte[] token;
    private final WebSocketDecoderConfig decoderConfig;
    private final long timeoutMillis;
    private String key;
    private ScheduledFuture<?> timeout;

    /**
     * @param request       the server's request template
     * @param token         the device's bearer token (ASCII)
     * @param decoderConfig settings of the frame decoder installed after the upgrade
     * @param timeoutMillis time allowed from channel active to the response's blank line
     */
    ClientHandshake(Request request, String token, WebSocketDecoderConfig decoderConfig, long timeoutMillis) {
        this.request = request;
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.decoderConfig = decoderConfig;
        this.timeoutMillis = timeoutMillis;
    }

    /** The frame decoder settings of a client: unmasked frames from the server, no extensions. */
    static WebSocketDecoderConfig clientDecoderConfig(int maxFramePayload) {
        return WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false)
                .allowMaskMismatch(false)
                .allowExtensions(false)
                .maxFramePayloadLength(maxFramePayload)
                .withUTF8Validator(false)
                .closeOnProtocolViolation(true)
                .build();
    }

    /** {@code base64(SHA-1(key + GUID))}, what the server must answer in {@code Sec-WebSocket-Accept}. */
    static String expectedAccept(String key) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        sha1.update(key.getBytes(StandardCharsets.US_ASCII));
        sha1.update(ACCEPT_GUID.getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(sha1.digest());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        key = Base64.getEncoder().encodeToString(nonce);
        ByteBuf b = ctx.alloc().buffer(request.head.length + key.length() + token.length + 32);
        b.writeBytes(request.head).writeCharSequence(key, StandardCharsets.US_ASCII);
        b.writeBytes(CRLF).writeCharSequence("Authorization: Bearer ", StandardCharsets.US_ASCII);
        b.writeBytes(token).writeBytes(CRLF).writeBytes(CRLF);
        ctx.writeAndFlush(b, ctx.voidPromise());
        timeout = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                ctx.fireExceptionCaught(new WebSocketHandshakeException("upgrade timed out"));
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int end = headEnd(in);
        if (end < 0) {
            if (in.readableBytes() > MAX_RESPONSE_HEAD) {
                fail(ctx, in, "upgrade response head above " + MAX_RESPONSE_HEAD + " bytes");
            }
            return;
        }
        String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(end + 4);
        String problem = check(head, key);
        if (problem != null) {
            fail(ctx, in, problem);
            return;
        }
        cancelTimeout();
        ctx.pipeline().addAfter(ctx.name(), "ws-encoder", MaskingEncoder.INSTANCE);
        ctx.pipeline().addAfter(ctx.name(), "ws-decoder", new WebSocket13FrameDecoder(decoderConfig));
        // ByteToMessageDecoder hands what is left of the input (frames sent right after the
        // response) to the next handler, the frame decoder, as it is removed.
        ctx.pipeline().remove(this);
    }

    /**
     * Why the response head (up to, not including, the blank line) does not complete a handshake
     * begun with {@code key}, or null when it does.
     */
    static String check(String head, String key) {
        String[] lines = head.split("\r\n", -1);
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            return "upgrade response is not HTTP: " + truncate(lines[0]);
        }
        if (!status[1].equals("101")) {
            return "upgrade refused: HTTP " + truncate(lines[0].substring(status[0].length()).strip());
        }
        boolean upgrade = false;
        boolean connection = false;
        String accept = null;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return "malformed header line in the upgrade response: " + truncate(line);
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            switch (name) {
                case "upgrade" -> upgrade = value.equalsIgnoreCase("websocket");
                case "connection" -> {
                    for (String t : value.split(",")) {
                        connection |= t.strip().equalsIgnoreCase("upgrade");
                    }
                }
                case "sec-websocket-accept" -> accept = value;
                // RFC 6455 4.1: the client asked for neither, so it must fail the connection.
                case "sec-websocket-extensions" -> {
                    return "server chose an extension that was not offered: " + truncate(value);
                }
                case "sec-websocket-protocol" -> {
                    return "server chose a subprotocol that was not offered: " + truncate(value);
                }
                default -> {
                }
            }
        }
        if (!upgrade) {
            return "upgrade response lacks Upgrade: websocket";
        }
        if (!connection) {
            return "upgrade response lacks Connection: upgrade";
        }
        if (accept == null || !accept.equals(expectedAccept(key))) {
            return "upgrade response has a wrong Sec-WebSocket-Accept: " + (accept == null ? "none" : truncate(accept));
        }
        return null;
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, String problem) {
        cancelTimeout();
        in.skipBytes(in.readableBytes());
        ctx.fireExceptionCaught(new WebSocketHandshakeException(problem));
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    /** The index of the {@code \r\n\r\n} ending the response head, or -1. */
    private static int headEnd(ByteBuf in) {
        int from = in.readerIndex();
        int to = in.writerIndex() - 3;
        for (int i = from; i < to; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r'
                    && in.getByte(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String truncate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120);
    }

    /** A client's frame encoder masks every frame and keeps no other state: one for all connections. */
    @ChannelHandler.Sharable
    static final class MaskingEncoder extends WebSocket13FrameEncoder {
        static final MaskingEncoder INSTANCE = new MaskingEncoder();

        private MaskingEncoder() {
            super(true);
        }
    }
}
