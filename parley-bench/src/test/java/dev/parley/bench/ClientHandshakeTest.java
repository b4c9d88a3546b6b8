package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The load generator's hand-written opening handshake is a real RFC 6455 client's. */
class ClientHandshakeTest {
    /** RFC 6455 section 1.3's example. */
    @Test
    void acceptIsDerivedFromTheKeyAsTheRfcShows() {
        assertThat(ClientHandshake.expectedAccept("dGhlIHNhbXBsZSBub25jZQ=="))
                .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void requestCarriesUpgradeHeadersAFreshKeyAndTheToken() {
        EmbeddedChannel ch = channel(new ArrayList<>());
        String request = ch.<ByteBuf>readOutbound().toString(StandardCharsets.US_ASCII);
        assertThat(request).startsWith("GET /ws?v=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
                .contains("\r\nUpgrade: websocket\r\n", "\r\nConnection: Upgrade\r\n", "\r\nSec-WebSocket-Version: 13\r\n",
                        "\r\nAuthorization: Bearer tok-123\r\n")
                .endsWith("\r\n\r\n");
        String key = keyOf(request);
        assertThat(java.util.Base64.getDecoder().decode(key)).hasSize(16);
        assertThat(keyOf(channel(new ArrayList<>()).<ByteBuf>readOutbound().toString(StandardCharsets.US_ASCII)))
                .isNotEqualTo(key);
    }

    @Test
    void switchesToFramesAndPassesBytesThatFollowTheResponse() {
        List<Throwable> errors = new ArrayList<>();
        EmbeddedChannel ch = channel(errors);
        String key = keyOf(ch.<ByteBuf>readOutbound().toString(StandardCharsets.US_ASCII));
        // The response arrives in two reads; the second also holds an unmasked text frame "hi".
        String response = "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + ClientHandshake.expectedAccept(key) + "\r\n\r\n";
        ch.writeInbound(ascii(response.substring(0, 20)));
        assertThat((Object) ch.readInbound()).isNull();
        ByteBuf rest = ascii(response.substring(20));
        ch.writeInbound(Unpooled.wrappedBuffer(rest, Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, 2, 'h', 'i'})));
        TextWebSocketFrame frame = ch.readInbound();
        assertThat(frame.text()).isEqualTo("hi");
        frame.release();
        assertThat(ch.pipeline().get(ClientHandshake.class)).isNull();
        assertThat(ch.pipeline().get("ws-decoder")).isNotNull();
        assertThat(errors).isEmpty();
        assertThat(ch.isActive()).isTrue();
        // Frames the client sends are masked (RFC 6455 5.3): the mask bit of the second byte is set.
        ch.writeOutbound(new TextWebSocketFrame("x"));
        ByteBuf out = readAll(ch);
        assertThat(out.getByte(0) & 0xff).isEqualTo(0x81);
        assertThat(out.getByte(1) & 0x80).isEqualTo(0x80);
        out.release();
    }

    @Test
    void wrongAcceptIsRefused() {
        List<Throwable> errors = new ArrayList<>();
        EmbeddedChannel ch = channel(errors);
        ch.<ByteBuf>readOutbound().release();
        ch.writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + ClientHandshake.expectedAccept("c29tZSBvdGhlciBrZXkhIQ==") + "\r\n\r\n"));
        assertThat(errors).singleElement().isInstanceOf(WebSocketHandshakeException.class)
                .extracting(Throwable::getMessage).asString().contains("wrong Sec-WebSocket-Accept");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void anAnswerOtherThan101IsRefusedWithItsStatus() {
        List<Throwable> errors = new ArrayList<>();
        EmbeddedChannel ch = channel(errors);
        ch.<ByteBuf>readOutbound().release();
        ch.writeInbound(ascii("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
        assertThat(errors).singleElement().extracting(Throwable::getMessage).asString()
                .isEqualTo("upgrade refused: HTTP 401 Unauthorized");
        assertThat(ch.isActive()).isFalse();
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void missingHeadersAndUnaskedExtensionsAreRefused() {
        String key = "dGhlIHNhbXBsZSBub25jZQ==";
        String accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
        String ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + accept;
        assertThat(ClientHandshake.check(ok, key)).isNull();
        assertThat(ClientHandshake.check("HTTP/1.1 101 X\r\nConnection: Upgrade\r\n" + accept, key))
                .contains("Upgrade: websocket");
        assertThat(ClientHandshake.check("HTTP/1.1 101 X\r\nUpgrade: websocket\r\n" + accept, key))
                .contains("Connection: upgrade");
        assertThat(ClientHandshake.check("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade", key))
                .contains("Sec-WebSocket-Accept: none");
        assertThat(ClientHandshake.check(ok + "\r\nSec-WebSocket-Extensions: permessage-deflate", key))
                .contains("extension");
        assertThat(ClientHandshake.check(ok + "\r\nSec-WebSocket-Protocol: chat", key)).contains("subprotocol");
        assertThat(ClientHandshake.check("SSH-2.0-OpenSSH", key)).contains("not HTTP");
    }

    @Test
    void anEndlessResponseHeadIsRefused() {
        List<Throwable> errors = new ArrayList<>();
        EmbeddedChannel ch = channel(errors);
        ch.<ByteBuf>readOutbound().release();
        ch.writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nX: " + "y".repeat(ClientHandshake.MAX_RESPONSE_HEAD)));
        assertThat(errors).singleElement().extracting(Throwable::getMessage).asString().contains("above");
        assertThat(ch.isActive()).isFalse();
    }

    private static EmbeddedChannel channel(List<Throwable> errors) {
        ClientHandshake.Request request = new ClientHandshake.Request(URI.create("ws://127.0.0.1:8080/ws?v=1"));
        return new EmbeddedChannel(new ClientHandshake(request, "tok-123", ClientHandshake.clientDecoderConfig(1 << 20),
                30_000), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause);
                    }
                });
    }

    private static String keyOf(String request) {
        Matcher m = Pattern.compile("\r\nSec-WebSocket-Key: ([^\r]+)\r\n").matcher(request);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static ByteBuf readAll(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }
}
