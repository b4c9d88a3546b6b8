package dev.parley.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * The WebSocket wire format (RFC 6455 section 5) as stateless functions: the checks of a client
 * frame's header, its payload length and unmasking, close statuses, and the frames the server
 * writes (final, unmasked). What a connection has to remember between reads (a partial frame, the
 * fragments of a message) is {@link WebSocketFrameReader}'s; everything here is static, so the
 * codec costs a connection nothing.
 */
final class WebSocketFrames {
    static final int OPCODE_CONTINUATION = 0x0;
    static final int OPCODE_TEXT = 0x1;
    static final int OPCODE_BINARY = 0x2;
    static final int OPCODE_CLOSE = 0x8;
    static final int OPCODE_PING = 0x9;
    static final int OPCODE_PONG = 0xA;
    static final int MAX_CONTROL_PAYLOAD = 125;
    /** Bytes of the longest header the server writes (no mask). */
    static final int MAX_HEADER_BYTES = 10;
    /** A close frame's reason, in UTF-8 bytes: a control frame's 125 less the status code. */
    static final int MAX_CLOSE_REASON = 123;

    /** {@link #payloadLength}: the header is not all there yet. */
    static final long INCOMPLETE = -1;
    /** {@link #payloadLength}: a 16- or 64-bit length that would have fit a shorter encoding. */
    static final long NOT_MINIMAL = -2;
    /** {@link #payloadLength}: a 64-bit length with the most significant bit set. */
    static final long NEGATIVE = -3;

    private WebSocketFrames() {
    }

    // ---- reading what a client sends --------------------------------------------------------

    /**
     * The checks of Netty's decoder on a client frame's first two bytes: masked, no reserved bits
     * or opcodes, control frames final and at most 125 bytes, a close frame's body not one byte,
     * continuations only inside a fragmented message and new data frames only outside one.
     *
     * @param b0                  the first header byte (FIN, RSV, opcode)
     * @param b1                  the second header byte (MASK, 7-bit length)
     * @param insideFragmentedMessage whether fragments of a message are being joined
     * @return why the frame breaks the protocol (a close reason), or null when it does not
     */
    static String headerViolation(int b0, int b1, boolean insideFragmentedMessage) {
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        int length7 = b1 & 0x7F;
        if ((b0 & 0x70) != 0) {
            return "RSV bits set and no extension negotiated";
        }
        if ((b1 & 0x80) == 0) {
            return "client frame is not masked";
        }
        if (opcode >= OPCODE_CLOSE) {
            if (opcode > OPCODE_PONG) {
                return "control frame with reserved opcode " + opcode;
            }
            if (!fin) {
                return "fragmented control frame";
            }
            if (length7 > MAX_CONTROL_PAYLOAD) {
                return "control frame with payload above 125 bytes";
            }
            if (opcode == OPCODE_CLOSE && length7 == 1) {
                return "close frame with a 1-byte payload";
            }
        } else if (opcode > OPCODE_BINARY) {
            return "data frame with reserved opcode " + opcode;
        } else if (opcode == OPCODE_CONTINUATION && !insideFragmentedMessage) {
            return "continuation frame outside a fragmented message";
        } else if (opcode != OPCODE_CONTINUATION && insideFragmentedMessage) {
            return "new data frame inside a fragmented message";
        }
        return null;
    }

    /**
     * The payload length of the frame whose header starts at {@code start} of {@code in}, which
     * holds {@code readable} bytes from there (the two first bytes at least).
     *
     * @return the length, or {@link #INCOMPLETE}, {@link #NOT_MINIMAL} or {@link #NEGATIVE}
     */
    static long payloadLength(ByteBuf in, int start, int readable) {
        int length7 = in.getUnsignedByte(start + 1) & 0x7F;
        if (length7 == 126) {
            if (readable < 4) {
                return INCOMPLETE;
            }
            int length = in.getUnsignedShort(start + 2);
            return length < 126 ? NOT_MINIMAL : length;
        }
        if (length7 == 127) {
            if (readable < 10) {
                return INCOMPLETE;
            }
            long length = in.getLong(start + 2);
            return length < 0 ? NEGATIVE : length < 65536 ? NOT_MINIMAL : length;
        }
        return length7;
    }

    /** Bytes of a client frame's header, masking key included, given its second byte. */
    static int clientHeaderBytes(int b1) {
        int length7 = b1 & 0x7F;
        return (length7 == 126 ? 4 : length7 == 127 ? 10 : 2) + 4;
    }

    /** XORs {@code payload} with the client's masking key (RFC 6455 section 5.3). */
    static void unmask(ByteBuf payload, int mask) {
        if (mask == 0) {
            return;
        }
        int i = payload.readerIndex();
        int end = payload.writerIndex();
        long longMask = (mask & 0xFFFFFFFFL) | ((long) mask << 32);
        for (; i + 8 <= end; i += 8) {
            payload.setLong(i, payload.getLong(i) ^ longMask);
        }
        if (i + 4 <= end) {
            payload.setInt(i, payload.getInt(i) ^ mask);
            i += 4;
        }
        for (int shift = 24; i < end; i++, shift -= 8) {
            payload.setByte(i, payload.getByte(i) ^ (mask >>> shift));
        }
    }

    /**
     * Whether a peer may send {@code status} (RFC 6455 section 7.4): the defined codes it may send
     * (1004-1006 and 1015 are never sent), and 3000-4999 for registered and private use.
     * Netty's check lets 5000 and above through.
     */
    static boolean isValidCloseStatus(int status) {
        return status >= 1000 && status <= 1003 || status >= 1007 && status <= 1014
                || status >= 3000 && status <= 4999;
    }

    // ---- frames as the server sends them (RFC 6455 section 5.2: final, unmasked) -------------

    /** A final frame with {@code payload}; releases it. */
    static ByteBuf wireFrame(ByteBufAllocator alloc, int opcode, ByteBuf payload) {
        try {
            int length = payload.readableBytes();
            int header = headerBytes(length);
            ByteBuf wire = alloc.buffer(header + length);
            setHeader(wire, 0, opcode, length);
            wire.writerIndex(header);
            wire.writeBytes(payload, payload.readerIndex(), length);
            return wire;
        } finally {
            payload.release();
        }
    }

    /** A close frame: status code, then the reason in UTF-8 cut to fit a control frame. */
    static ByteBuf closeFrame(ByteBufAllocator alloc, int code, String reason) {
        String cut = truncate(reason, MAX_CLOSE_REASON);
        while (ByteBufUtil.utf8Bytes(cut) > MAX_CLOSE_REASON) {
            cut = cut.substring(0, cut.length() - 1);
        }
        ByteBuf body = alloc.buffer(2 + ByteBufUtil.utf8Bytes(cut));
        body.writeShort(code);
        ByteBufUtil.writeUtf8(body, cut);
        return wireFrame(alloc, OPCODE_CLOSE, body);
    }

    /** The opcode of one of Netty's frame objects (written to the channel by others). */
    static int opcodeOf(WebSocketFrame frame) {
        return frame instanceof TextWebSocketFrame ? OPCODE_TEXT
                : frame instanceof CloseWebSocketFrame ? OPCODE_CLOSE
                : frame instanceof PingWebSocketFrame ? OPCODE_PING
                : frame instanceof PongWebSocketFrame ? OPCODE_PONG : OPCODE_BINARY;
    }

    static int headerBytes(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
    }

    /** Writes the header of a final, unmasked frame at {@code index} (as many bytes as {@link #headerBytes}). */
    static void setHeader(ByteBuf buf, int index, int opcode, int payloadLength) {
        buf.setByte(index, 0x80 | opcode);
        if (payloadLength < 126) {
            buf.setByte(index + 1, payloadLength);
        } else if (payloadLength < 65536) {
            buf.setByte(index + 1, 126);
            buf.setShort(index + 2, payloadLength);
        } else {
            buf.setByte(index + 1, 127);
            buf.setLong(index + 2, payloadLength);
        }
    }

    /** Whether the reason of a close frame's body (the bytes after its status code) is valid UTF-8. */
    static boolean isUtf8Reason(ByteBuf closeBody) {
        return ByteBufUtil.isText(closeBody, closeBody.readerIndex() + 2, closeBody.readableBytes() - 2,
                StandardCharsets.UTF_8);
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
