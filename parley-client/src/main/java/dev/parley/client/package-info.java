/**
 * The Parley Java SDK.
 *
 * <ul>
 *   <li>{@link dev.parley.client.ParleyAccounts}: REST calls (register, log a device in, devices,
 *       conversations, history, presence, push target).</li>
 *   <li>{@link dev.parley.client.ParleyClient}: one device's WebSocket session, built with
 *       {@link dev.parley.client.ParleyClient#builder}; events arrive at a
 *       {@link dev.parley.client.ParleyListener}; the inbox cursor is kept by a
 *       {@link dev.parley.client.CursorStore}.</li>
 * </ul>
 *
 * <p>Guarantees the SDK adds to the protocol's at-least-once delivery:
 * <ul>
 *   <li>Each inbox event (message, receipt, membership change) reaches the listener once per
 *       cursor store: entries whose cursor is not above the last accepted one are dropped, and
 *       messages are also recognised by {@code (conv, seq)}.</li>
 *   <li>A cursor is saved after the listener returned from its event, and acknowledged to the
 *       server only after it was saved (acknowledgements are batched: at most 50 ms or 100
 *       events late). A crash therefore re-delivers at most the events after the saved cursor,
 *       never loses one.</li>
 *   <li>A send is re-sent with the same client message id until the server answers, so it is
 *       stored once and its future completes once.</li>
 * </ul>
 *
 * <p>Errors are {@link dev.parley.client.ParleyClientException}s carrying the server's stable
 * {@link dev.parley.protocol.ErrorCode} or a local code, and whether a retry may succeed.
 */
package dev.parley.client;
