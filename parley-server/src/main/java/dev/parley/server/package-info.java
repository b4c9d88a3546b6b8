/**
 * The Parley server process: configuration, wiring and the Netty transport.
 *
 * <p>Three roles, as in Netty's own examples: {@link dev.parley.server.ParleyServer} bootstraps
 * (store, core, event loops, bind, graceful shutdown), {@link dev.parley.server.ParleyChannelInitializer}
 * only builds the pipeline, and the handlers in {@code ws} and {@code http} hold the logic. Nothing
 * here blocks an event loop: every core call returns a stage that is continued on the channel's
 * event loop.
 *
 * <p>Shutdown guarantee: {@link dev.parley.server.ParleyServer#close()} closes the store last, after
 * every connection and thread that could still write, so every send that was acknowledged
 * ({@code sent}) is in the store's write-ahead log when it returns.
 */
package dev.parley.server;
