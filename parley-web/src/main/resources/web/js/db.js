// What the browser keeps between visits, in IndexedDB, one database per logged-in device: the
// inbox cursor, the conversations with their receipt watermarks, the most recent messages of
// each conversation, and the outbox of messages not yet acknowledged by the server. A reload
// shows the chats at once from here and then syncs only what is new after the cursor.

/** Messages kept per conversation; older ones are fetched again from history when scrolled to. */
export const KEPT_PER_CONVERSATION = 200;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

export function databaseName(user, device) {
  return `parley:${user}:${device}`;
}

/** Opens (creating if needed) the device's database. */
export async function openDeviceDb(user, device) {
  const request = indexedDB.open(databaseName(user, device), 1);
  request.onupgradeneeded = () => {
    const db = request.result;
    db.createObjectStore('meta');
    db.createObjectStore('conversations', { keyPath: 'conv' });
    db.createObjectStore('messages', { keyPath: ['conv', 'seq'] });
    db.createObjectStore('outbox', { keyPath: 'clientMsgId' });
  };
  return new DeviceDb(await promised(request));
}

/** Deletes a device's database (at logout). */
export function deleteDeviceDb(user, device) {
  return promised(indexedDB.deleteDatabase(databaseName(user, device))).catch(() => {});
}

class DeviceDb {
  constructor(db) {
    this.db = db;
  }

  /** Everything kept: {cursor, counter, conversations[], messages[], outbox[]}. */
  async loadAll() {
    const tx = this.db.transaction(['meta', 'conversations', 'messages', 'outbox'], 'readonly');
    const [cursor, counter, conversations, messages, outbox] = await Promise.all([
      promised(tx.objectStore('meta').get('cursor')),
      promised(tx.objectStore('meta').get('counter')),
      promised(tx.objectStore('conversations').getAll()),
      promised(tx.objectStore('messages').getAll()),
      promised(tx.objectStore('outbox').getAll()),
    ]);
    return { cursor: cursor || 0, counter: counter || 0, conversations, messages, outbox };
  }

  /**
   * Writes one batch of changes atomically: the cursor is stored together with what it covers,
   * so after a crash the device neither skips nor half-applies an inbox entry.
   *
   * @param {object} batch {cursor?, counter?, conversations: [], messages: [], outboxPut: [],
   *                       outboxDelete: [], prune: [{conv, belowSeq}]}
   */
  async write(batch) {
    const tx = this.db.transaction(['meta', 'conversations', 'messages', 'outbox'], 'readwrite');
    const meta = tx.objectStore('meta');
    if (batch.cursor !== undefined) {
      meta.put(batch.cursor, 'cursor');
    }
    if (batch.counter !== undefined) {
      meta.put(batch.counter, 'counter');
    }
    for (const c of batch.conversations || []) {
      tx.objectStore('conversations').put(c);
    }
    for (const m of batch.messages || []) {
      tx.objectStore('messages').put(m);
    }
    for (const o of batch.outboxPut || []) {
      tx.objectStore('outbox').put(o);
    }
    for (const id of batch.outboxDelete || []) {
      tx.objectStore('outbox').delete(id);
    }
    for (const p of batch.prune || []) {
      tx.objectStore('messages').delete(IDBKeyRange.bound([p.conv, 0], [p.conv, p.belowSeq], false, true));
    }
    for (const conv of batch.conversationsDelete || []) {
      tx.objectStore('conversations').delete(conv);
      tx.objectStore('messages').delete(IDBKeyRange.bound([conv, 0], [conv, Number.MAX_SAFE_INTEGER]));
    }
    return done(tx);
  }

  close() {
    this.db.close();
  }
}
