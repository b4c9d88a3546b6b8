/**
 * The WebSocket end of a connection: authentication (header, query parameter or first frame),
 * frame limits, decoding into {@link dev.parley.protocol.ClientFrame}s, and the
 * {@link dev.parley.core.delivery.Transport} the core's session writes to.
 *
 * <p>Close codes used: 1001 heartbeat timeout or server shutdown, 1002 unsupported protocol
 * version, 1007 invalid UTF-8, 1008 authentication failed or missing, 1009 message above the
 * hard limit (4x {@code server.maxFrameBytes}), 1011 internal error, 1013 authentication could
 * not be checked (store unavailable; retry).
 */
package dev.parley.server.ws;
