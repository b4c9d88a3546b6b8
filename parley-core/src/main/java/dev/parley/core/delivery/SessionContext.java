package dev.parley.core.delivery;

import dev.parley.core.message.MessageStore;
import java.util.function.Consumer;

/**
 * What every session of a server shares, held once: a session keeps one reference to it instead
 * of one per collaborator (every idle connection pays for each field).
 *
 * @param dispatcher    maps the sessions' requests to the services and results to replies
 * @param store         the inbox the sessions deliver and acknowledge
 * @param syncBatchSize inbox entries read per batch while catching up
 * @param onClose       told once when a session has closed
 */
record SessionContext(RequestDispatcher dispatcher, MessageStore store, int syncBatchSize,
                      Consumer<DeviceSession> onClose) {
}
