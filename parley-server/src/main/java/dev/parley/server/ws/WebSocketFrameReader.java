package dev.parley.server.ws;

import static dev.parley.server.ws.WebSocketFrames.INCOMPLETE;
import static dev.parley.server.ws.WebSocketFrames.NEGATIVE;
import static dev.parley.server.ws.WebSocketFrames.NOT_MINIMAL;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_CLOSE;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_CONTINUATION;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_PING;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_PONG;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_TEXT;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection remembers while it reads WebSocket frames from bytes: the bytes of a frame
 * not yet whole, and the fragments of a message being joined. It reads one frame at a time
 * ({@link #readFrame}) with the checks of {@link WebSocketFrames}, answers nothing itself, and
 * hands on whole messages, pings and valid close frames; a violation closes the connection (1002,
 * 1007 for a close reason that is not UTF-8, 1009 for size) as soon as the header shows it.
 *
 * <p>It is the base class of {@link WebSocketSessionHandler} rather than an object of its own:
 * every field here is a field of the one handler object a connection keeps (an idle connection's
 * memory is counted in bytes). Called on the channel's event loop only.
 */
abstract class WebSocketFrameReader extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(WebSocketFrameReader.class);

    /** The handler's context, set when it is added to the pipeline. */
    ChannelHandlerContext ctx;
    /** Received bytes that do not make a whole frame yet, or null (the usual case). */
    private ByteBuf partialFrame;
    /** The fragments of a message being received, or null. */
    private CompositeByteBuf fragments;
    private boolean fragmentsAreText;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---- what a subclass does with what is read --------------------------------------------

    /** Largest frame or joined message kept; above it the connection is closed with 1009. */
    abstract long hardLimit();

    /** A whole text or binary message, fragments joined; takes ownership of {@code message}. */
    abstract void onMessage(WebSocketFrame message);

    /** A ping; takes ownership of {@code payload}. */
    abstract void onPing(ByteBuf payload);

    /** A valid close frame (status and reason checked); takes ownership of {@code payload}. */
    abstract void onCloseFrame(ByteBuf payload);

    /** Sends a close frame with {@code code} and closes once it is written. Idempotent. */
    abstract void closeWebSocket(int code, String reason);

    // ---- reading ---------------------------------------------------------------------------

    /**
     * Reads one frame (RFC 6455 section 5.2) from {@code in}'s reader index and handles it, with
     * the checks of Netty's decoder ({@link WebSocketFrames#headerViolation}), minimal length
     * encoding, and at most the hard limit. A violation closes the connection (1002, or 1009 for
     * size) as soon as the header shows it, without waiting for the payload.
     *
     * @return false when {@code in} does not hold a whole frame (nothing is consumed)
     */
    final boolean readFrame(ByteBuf in) {
        int readable = in.readableBytes();
        if (readable < 2) {
            return false;
        }
        int start = in.readerIndex();
        int b0 = in.getUnsignedByte(start);
        int b1 = in.getUnsignedByte(start + 1);
        String violation = WebSocketFrames.headerViolation(b0, b1, fragments != null);
        if (violation != null) {
            return protocolViolation(violation);
        }
        long length = WebSocketFrames.payloadLength(in, start, readable);
        if (length == INCOMPLETE) {
            return false;
        }
        if (length == NOT_MINIMAL) {
            return protocolViolation("frame length not minimally encoded");
        }
        if (length == NEGATIVE) {
            return protocolViolation("negative frame length");
        }
        if (length > hardLimit()) {
            closeWebSocket(1009, tooLargeReason());
            return false;
        }
        int headerBytes = WebSocketFrames.clientHeaderBytes(b1);
        if (readable < headerBytes + length) {
            return false;
        }
        int payloadLength = (int) length;
        ByteBuf payload = payloadLength == 0 ? Unpooled.EMPTY_BUFFER : ctx.alloc().buffer(payloadLength);
        payload.writeBytes(in, start + headerBytes, payloadLength);
        WebSocketFrames.unmask(payload, in.getInt(start + headerBytes - 4));
        in.readerIndex(start + headerBytes + payloadLength);
        onWireFrame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
        return true;
    }

    /** Fails the connection with 1002 (RFC 6455 section 7.1.7). */
    private boolean protocolViolation(String reason) {
        log.debug("WebSocket {} protocol violation: {}", ctx.channel().id(), reason);
        closeWebSocket(1002, reason);
        return false;
    }

    private String tooLargeReason() {
        return "FRAME_TOO_LARGE: message above " + hardLimit() + " bytes";
    }

    /** A whole frame, already checked: control frames, fragments, messages. Takes ownership of {@code payload}. */
    private void onWireFrame(int opcode, boolean fin, ByteBuf payload) {
        switch (opcode) {
            case OPCODE_PING -> onPing(payload);
            case OPCODE_PONG -> payload.release();
            case OPCODE_CLOSE -> checkCloseFrame(payload);
            case OPCODE_CONTINUATION -> appendFragment(payload, fin);
            default -> {
                if (fin) {
                    onMessage(opcode == OPCODE_TEXT ? new TextWebSocketFrame(payload)
                            : new BinaryWebSocketFrame(payload));
                } else {
                    fragmentsAreText = opcode == OPCODE_TEXT;
                    fragments = ctx.alloc().compositeBuffer(1024);
                    appendFragment(payload, false);
                }
            }
        }
    }

    /**
     * The peer's closing handshake: a body must be a valid status code and a UTF-8 reason (RFC
     * 6455 section 5.5.1); a valid one goes on to {@link #onCloseFrame}.
     */
    private void checkCloseFrame(ByteBuf payload) {
        if (payload.isReadable()) {
            int status = payload.getUnsignedShort(payload.readerIndex());
            if (!WebSocketFrames.isValidCloseStatus(status)) {
                payload.release();
                protocolViolation("invalid close status code " + status);
                return;
            }
            if (!WebSocketFrames.isUtf8Reason(payload)) {
                payload.release();
                closeWebSocket(1007, "close reason is not valid UTF-8");
                return;
            }
        }
        onCloseFrame(payload);
    }

    /** Adds a fragment to the message being joined (the hard limit applies to the whole); takes ownership. */
    private void appendFragment(ByteBuf content, boolean last) {
        if (content.readableBytes() > hardLimit() - fragments.readableBytes()) {
            content.release();
            releaseFragments();
            closeWebSocket(1009, tooLargeReason());
            return;
        }
        fragments.addComponent(true, content);
        if (last) {
            CompositeByteBuf whole = fragments;
            fragments = null;
            onMessage(fragmentsAreText ? new TextWebSocketFrame(whole) : new BinaryWebSocketFrame(whole));
        }
    }

    // ---- bytes that wait for the rest of their frame ---------------------------------------

    /** {@code bytes} behind the partial frame kept so far (which is taken); takes ownership of {@code bytes}. */
    final ByteBuf withPartialFrame(ByteBuf bytes) {
        ByteBuf in = partialFrame == null ? bytes
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), partialFrame, bytes);
        partialFrame = null;
        return in;
    }

    /** Keeps {@code rest} until more bytes arrive (or the connection can take its frames). */
    final void keepPartialFrame(ByteBuf rest) {
        partialFrame = rest;
    }

    /** The bytes kept, or null; they are the caller's now. */
    final ByteBuf takePartialFrame() {
        ByteBuf kept = partialFrame;
        partialFrame = null;
        return kept;
    }

    /** Bytes read and not yet handled (they wait while the peer does not read). */
    final int heldBytes() {
        return partialFrame == null ? 0 : partialFrame.readableBytes();
    }

    /** Frees what was read and not handled: a partial frame and the fragments of a message. */
    final void releaseReaderState() {
        releaseFragments();
        if (partialFrame != null) {
            partialFrame.release();
            partialFrame = null;
        }
    }

    private void releaseFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }
}
