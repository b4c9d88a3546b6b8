/**
 * The WebSocket end of a connection: authentication (header, query parameter or first frame),
 * frame limits, decoding into {@link dev.parley.protocol.ClientFrame}s, and the
 * {@link dev.parley.core.delivery.Transport} the core's session writes to.
 *
 * <p>Where to look: {@link dev.parley.server.ws.WebSocketUpgradeHandler} answers the opening
 * handshake and steps aside; {@link dev.parley.server.ws.WebSocketSessionHandler} is then the
 * connection's one handler, made of {@link dev.parley.server.ws.WebSocketFrames} (the wire format,
 * stateless), {@link dev.parley.server.ws.WebSocketFrameReader} (a partial frame and a message's
 * fragments), {@link dev.parley.server.ws.WebSocketAuthentication} (the states from the upgrade to
 * an open session) and its own glue (Netty callbacks, limits, writes, closing, the calls into the
 * core through {@link dev.parley.server.ws.SessionGateway}). The reader and the authentication are
 * its base classes, not objects of their own: a connection keeps one object.
 *
 * <p>Close codes used: 1001 heartbeat timeout or server shutdown, 1002 unsupported protocol
 * version, 1007 invalid UTF-8, 1008 authentication failed or missing, 1009 message above the
 * hard limit (4x {@code server.maxFrameBytes}), 1011 internal error, 1013 authentication could
 * not be checked (store unavailable; retry).
 */
package dev.parley.server.ws;
