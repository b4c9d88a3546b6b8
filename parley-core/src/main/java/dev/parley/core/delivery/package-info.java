/**
 * The protocol edge of the core: the one package that knows both the features and the frames.
 *
 * <ul>
 *   <li>{@link dev.parley.core.delivery.DeviceSession}: one connection, the glue between the
 *       {@link dev.parley.core.delivery.Transport} and the parts below.</li>
 *   <li>{@link dev.parley.core.delivery.RequestDispatcher}: a client frame to a service call, the
 *       result or failure to the reply frame (one per server).</li>
 *   <li>{@code InboxDelivery} and {@code Acknowledgements}: the inbox of one connection sent in
 *       cursor order (an explicit state) and acknowledged; created when first needed, so an idle connection has neither.</li>
 *   <li>{@link dev.parley.core.delivery.Views}: records to frames, for the WebSocket and REST.</li>
 *   <li>Port {@link dev.parley.core.delivery.MessageRouter} and what is built on it:
 *       {@link dev.parley.core.delivery.Sessions} (this server's handler),
 *       {@link dev.parley.core.delivery.RoutedInboxPublisher} and
 *       {@link dev.parley.core.delivery.RoutedTypingRelay}.</li>
 * </ul>
 *
 * <p>No feature package depends on this one: features reach the edge only through interfaces
 * they own ({@code message.InboxPublisher}, {@code presence.PresenceSubscriber}, …).
 */
package dev.parley.core.delivery;
