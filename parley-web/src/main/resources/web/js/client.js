// The chat model of one logged-in device: conversations, messages, receipts, typing, presence
// and the outbox, kept in step with the server over ParleySocket and with IndexedDB over
// DeviceDb. The view (view.js) only reads this state and listens to its 'change' events.
//
// Delivery follows docs/PROTOCOL.md section 4: inbox events are applied in cursor order and
// dropped when their cursor is not above the last one processed; the cursor is persisted in the
// same IndexedDB transaction as what it covers, then acknowledged. Sends go through the outbox:
// a message typed while disconnected waits there and is sent, once, with the same clientMsgId
// when the connection is back; the server answers a retry of a stored message with the first
// one's seq ("duplicate"), so a send whose reply was lost is never stored twice.

import { ParleySocket } from './socket.js';
import { ParleyError, explain } from './rest.js';
import { KEPT_PER_CONVERSATION } from './db.js';

const PERSIST_DELAY_MS = 100;
const HISTORY_PAGE = 30;
const TYPING_REPEAT_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
const TYPING_SHOWN_MS = 6_000;
const MAX_GAP_PAGES = 20;

export const STATUS_ORDER = { pending: 0, sent: 1, delivered: 2, read: 3 };

export class ChatClient extends EventTarget {
  /**
   * @param {object} session {user, device, token}
   * @param {object} db an open DeviceDb
   */
  constructor(session, db) {
    super();
    this.user = session.user;
    this.device = session.device;
    this.token = session.token;
    this.db = db;
    this.socket = new ParleySocket(session.token, {
      onWelcome: (w) => this.onWelcome(w),
      onEvent: (f) => this.onEvent(f),
      onState: (s, d) => this.onState(s, d),
      onFatal: (code, message) => this.emit('fatal', { code, message }),
    });
    this.conversations = new Map();
    this.messages = new Map();
    this.outbox = new Map();
    this.cursor = 0;
    this.counter = 0;
    this.typingIn = new Map();
    this.presence = new Map();
    this.openConv = null;
    this.synced = false;
    this.limits = null;
    this.inflight = new Set();
    this.flushing = false;
    this.dirty = { conversations: new Set(), messages: [], outboxPut: new Map(), outboxDelete: new Set(),
      conversationsDelete: new Set(), meta: false };
    this.persistTimer = null;
    this.persistChain = Promise.resolve();
    this.persistedCursor = 0;
    this.ackedCursor = 0;
    this.subscribed = new Set();
    this.contactList = new Set();
    this.refreshing = new Map();
    this.goneAt = new Map();
    this.typingSent = { conv: null, at: 0, stopTimer: null };
  }

  /** Loads what the browser kept, shows it, and connects. */
  async start() {
    const kept = await this.db.loadAll();
    this.cursor = kept.cursor;
    this.persistedCursor = kept.cursor;
    this.counter = kept.counter;
    for (const c of kept.conversations) {
      // Only the newest messages are kept: whatever was paged in before may have to be fetched again.
      c.hasOlder = true;
      this.conversations.set(c.conv, c);
    }
    for (const m of kept.messages) {
      this.messagesOf(m.conv).set(m.seq, m);
    }
    for (const o of kept.outbox) {
      this.outbox.set(o.clientMsgId, o);
    }
    this.emit('change', { what: 'all' });
    this.socket.start();
  }

  /** Disconnects for good (logout, or another tab took over). */
  stop() {
    this.socket.stop();
    clearTimeout(this.persistTimer);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  messagesOf(conv) {
    let m = this.messages.get(conv);
    if (!m) {
      m = new Map();
      this.messages.set(conv, m);
    }
    return m;
  }

  // ---- connection -----------------------------------------------------------------------

  onState(state, detail) {
    if (state !== 'online') {
      // Presence and typing come from the live connection only: without one they are unknown.
      this.presence.clear();
      for (const users of this.typingIn.values()) {
        users.forEach((timer) => clearTimeout(timer));
      }
      this.typingIn.clear();
      this.emit('change', { what: 'presence' });
    }
    this.emit('state', { state, ...detail });
  }

  onWelcome(welcome) {
    this.limits = welcome.limits;
    this.synced = false;
    this.inflight.clear();
    this.subscribed.clear();
    this.ackedCursor = 0;
    const sync = { type: 'sync' };
    if (this.cursor > 0) {
      sync.after = this.cursor;
    }
    this.socket.request(sync).then(() => this.afterSync()).catch((e) => this.requestFailed(e));
  }

  async afterSync() {
    this.synced = true;
    this.scheduleAck();
    try {
      const reply = await this.socket.request({ type: 'list_conversations' });
      const current = new Set();
      for (const c of reply.conversations) {
        current.add(c.conv);
        this.upsertConversation(c);
        this.fillGap(c.conv, c.lastSeq);
      }
      for (const conv of [...this.conversations.keys()]) {
        if (!current.has(conv)) {
          this.forgetConversation(conv); // left or removed while this device was away
        }
      }
      this.schedulePersist();
      this.emit('change', { what: 'all' });
    } catch (e) {
      this.requestFailed(e);
    }
    this.subscribePeers();
    this.loadContacts();
    this.flushOutbox();
    this.markReadIfVisible();
  }

  requestFailed(e) {
    if (e instanceof ParleyError && (e.code === 'CLOSED' || e.code === 'TIMEOUT')) {
      return; // the reconnect repeats whatever matters
    }
    this.emit('problem', { message: explain(e) });
  }

  // ---- inbox events -----------------------------------------------------------------------

  onEvent(frame) {
    switch (frame.type) {
      case 'message':
      case 'receipt':
      case 'membership':
        this.onInboxEvent(frame);
        break;
      case 'typing':
        this.onTyping(frame);
        break;
      case 'presence':
        this.presence.set(frame.user, { online: frame.online, lastSeen: frame.lastSeen });
        this.emit('change', { what: 'presence', user: frame.user });
        break;
      default:
        break; // unknown events are ignored (protocol section 1)
    }
  }

  onInboxEvent(frame) {
    if (frame.cursor <= this.cursor) {
      return; // already processed (at-least-once delivery)
    }
    const gap = frame.cursor > this.cursor + 1 && this.cursor > 0;
    this.cursor = frame.cursor;
    this.dirty.meta = true;
    if (frame.type === 'message') {
      this.applyMessage(frame.message, true);
    } else if (frame.type === 'receipt') {
      this.applyReceipt(frame);
    } else {
      this.applyMembership(frame);
    }
    if (gap) {
      // Entries expired before this device fetched them: the history has what they said.
      for (const c of this.conversations.values()) {
        this.fillGap(c.conv, c.lastSeq);
      }
    }
    this.schedulePersist();
  }

  applyMessage(m, live) {
    let conv = this.conversations.get(m.conv);
    if (!conv) {
      conv = { conv: m.conv, kind: m.conv.startsWith('d:') ? 'direct' : 'group', name: '', members: [this.user],
        admins: [], version: 0, createdBy: m.from, createdAt: m.ts, lastSeq: 0, receipts: {}, hasOlder: true };
      this.conversations.set(m.conv, conv);
      this.refreshConversation(m.conv, 1); // a placeholder until the real members and name are known
    }
    const known = this.messagesOf(m.conv);
    const before = this.maxSeq(m.conv);
    const isNew = !known.has(m.seq);
    known.set(m.seq, m);
    this.dirty.messages.push(m);
    if (m.fromDevice === this.device && this.outbox.has(m.clientMsgId)) {
      this.outbox.delete(m.clientMsgId);
      this.dirty.outboxDelete.add(m.clientMsgId);
    }
    if (m.seq > conv.lastSeq) {
      conv.lastSeq = m.seq;
    }
    this.dirty.conversations.add(m.conv);
    if (live && before > 0 && m.seq > before + 1) {
      this.fillGap(m.conv, m.seq - 1);
    }
    if (m.from !== this.user) {
      this.stopTypingOf(m.conv, m.from);
      if (isNew && live && this.synced) {
        this.emit('incoming', { message: m });
      }
    }
    this.emit('change', { what: 'conv', conv: m.conv });
    if (m.conv === this.openConv) {
      this.markReadIfVisible();
    }
  }

  applyReceipt(r) {
    const conv = this.conversations.get(r.conv);
    if (!conv) {
      return;
    }
    const w = conv.receipts[r.user] || { delivered: 0, read: 0 };
    if (r.status === 'read') {
      w.read = Math.max(w.read, r.upTo);
    }
    w.delivered = Math.max(w.delivered, r.upTo, w.read);
    conv.receipts[r.user] = w;
    this.dirty.conversations.add(r.conv);
    this.emit('change', { what: 'conv', conv: r.conv });
  }

  /**
   * A membership event says only what changed (protocol section 5.2): a new name is applied at
   * once, the member and admin lists are fetched with get_conversation when the event is newer
   * than what is held. Events read during the backlog wait for list_conversations after sync.
   */
  applyMembership(frame) {
    const users = frame.users || [];
    const gone = (frame.change === 'removed' || frame.change === 'left') && users.includes(this.user);
    if (gone) {
      this.goneAt.set(frame.conv, frame.version);
      this.forgetConversation(frame.conv);
      return;
    }
    this.goneAt.delete(frame.conv);
    const c = this.conversations.get(frame.conv);
    if (c && frame.name !== undefined) {
      c.name = frame.name;
      this.dirty.conversations.add(frame.conv);
      this.emit('change', { what: 'conv', conv: frame.conv });
    }
    if (!c || (c.version || 0) < frame.version) {
      this.refreshConversation(frame.conv, frame.version);
    }
  }

  /** Fetches a conversation's current state, one request per conversation at a time. */
  async refreshConversation(conv, version) {
    if (!this.synced || !this.socket.online) {
      return; // list_conversations after the next sync brings every conversation up to date
    }
    const wanted = Math.max(version, this.refreshing.get(conv) || 0);
    if (this.refreshing.has(conv)) {
      this.refreshing.set(conv, wanted); // the request in flight asks again when it is done
      return;
    }
    this.refreshing.set(conv, wanted);
    let answered = false;
    try {
      const reply = await this.socket.request({ type: 'get_conversation', conv });
      answered = true;
      const view = reply.conversation;
      const gone = this.goneAt.get(conv);
      if (gone === undefined || view.version > gone) {
        this.upsertConversation(view);
        this.afterConversationChange();
      }
    } catch (e) {
      if (!(e instanceof ParleyError && e.code === 'CONVERSATION_NOT_FOUND')) {
        this.requestFailed(e);
      }
    } finally {
      const asked = this.refreshing.get(conv);
      this.refreshing.delete(conv);
      const held = this.conversations.get(conv);
      // Asked again while the answer was on its way (after a failure the next sync catches up).
      if (answered && held && (held.version || 0) < asked) {
        this.refreshConversation(conv, asked);
      }
    }
  }

  upsertConversation(view) {
    const old = this.conversations.get(view.conv);
    if (old && old.version > (view.version || 0)) {
      return old; // an answer older than what is held (replies and events may cross)
    }
    const conv = {
      conv: view.conv, kind: view.kind, name: view.name, members: view.members, admins: view.admins || [],
      version: view.version || 0, createdBy: view.createdBy,
      createdAt: view.createdAt, lastSeq: Math.max(view.lastSeq || 0, old ? old.lastSeq : 0),
      receipts: old ? old.receipts : {}, hasOlder: old ? old.hasOlder : true,
    };
    this.conversations.set(view.conv, conv);
    this.dirty.conversations.add(view.conv);
    return conv;
  }

  forgetConversation(conv) {
    const c = this.conversations.get(conv);
    // Messages queued for a conversation one is no longer in can never be sent: say so, drop them.
    const unsendable = [...this.outbox.values()].filter((o) => o.conv === conv);
    for (const o of unsendable) {
      this.outbox.delete(o.clientMsgId);
      this.dirty.outboxDelete.add(o.clientMsgId);
    }
    if (unsendable.length > 0) {
      const name = c && c.kind === 'group' ? `“${c.name}”` : 'that conversation';
      this.emit('problem', { message: `You are no longer in ${name}; ${unsendable.length} unsent `
          + `message${unsendable.length > 1 ? 's were' : ' was'} not sent.` });
    }
    this.conversations.delete(conv);
    this.messages.delete(conv);
    this.dirty.conversations.delete(conv);
    this.dirty.conversationsDelete.add(conv);
    if (this.openConv === conv) {
      this.openConv = null;
    }
    this.emit('change', { what: 'all' });
  }

  /** Fetches messages the device misses up to {@code lastSeq} (gaps after expiry, a group joined late). */
  async fillGap(conv, lastSeq) {
    const have = this.maxSeq(conv);
    if (lastSeq <= have || !this.socket.online) {
      return;
    }
    try {
      if (have === 0) {
        await this.loadOlder(conv);
        return;
      }
      let after = have;
      for (let page = 0; page < MAX_GAP_PAGES && after < lastSeq; page++) {
        const reply = await this.socket.request({ type: 'history', conv, afterSeq: after, limit: 100 });
        reply.messages.forEach((m) => this.applyMessage(m, false));
        if (!reply.hasMore || reply.messages.length === 0) {
          break;
        }
        after = reply.messages[reply.messages.length - 1].seq;
      }
      this.schedulePersist();
    } catch (e) {
      this.requestFailed(e);
    }
  }

  /** Fetches the page of history before the oldest message held; resolves to whether more exist. */
  async loadOlder(conv) {
    const c = this.conversations.get(conv);
    if (!c || !this.socket.online) {
      return c ? c.hasOlder : false;
    }
    const oldest = this.minSeq(conv);
    if (oldest === 1) {
      c.hasOlder = false;
      return false;
    }
    const query = { type: 'history', conv, limit: HISTORY_PAGE };
    if (oldest > 0) {
      query.beforeSeq = oldest;
    }
    try {
      const reply = await this.socket.request(query);
      reply.messages.forEach((m) => this.applyMessage(m, false));
      c.hasOlder = reply.hasMore;
      this.dirty.conversations.add(conv);
      this.schedulePersist();
      this.emit('change', { what: 'older', conv });
      return reply.hasMore;
    } catch (e) {
      this.requestFailed(e);
      return c.hasOlder;
    }
  }

  maxSeq(conv) {
    let max = 0;
    for (const seq of this.messagesOf(conv).keys()) {
      if (seq > max) {
        max = seq;
      }
    }
    return max;
  }

  minSeq(conv) {
    let min = 0;
    for (const seq of this.messagesOf(conv).keys()) {
      if (min === 0 || seq < min) {
        min = seq;
      }
    }
    return min;
  }

  // ---- persistence and acks -------------------------------------------------------------

  schedulePersist() {
    if (!this.persistTimer) {
      this.persistTimer = setTimeout(() => this.persist(), PERSIST_DELAY_MS);
    }
  }

  persist() {
    clearTimeout(this.persistTimer);
    this.persistTimer = null;
    const d = this.dirty;
    this.dirty = { conversations: new Set(), messages: [], outboxPut: new Map(), outboxDelete: new Set(),
      conversationsDelete: new Set(), meta: false };
    const prune = [];
    for (const conv of d.conversations) {
      const max = this.maxSeq(conv);
      if (max > KEPT_PER_CONVERSATION) {
        prune.push({ conv, belowSeq: max - KEPT_PER_CONVERSATION + 1 });
      }
    }
    const cursor = this.cursor;
    const batch = {
      cursor: d.meta ? cursor : undefined,
      counter: this.counter,
      conversations: [...d.conversations].map((c) => this.conversations.get(c)).filter(Boolean),
      messages: d.messages.filter((m) => this.conversations.has(m.conv)),
      outboxPut: [...d.outboxPut.values()].filter((o) => this.outbox.has(o.clientMsgId)),
      outboxDelete: [...d.outboxDelete],
      conversationsDelete: [...d.conversationsDelete],
      prune,
    };
    this.persistChain = this.persistChain.then(() => this.db.write(batch)).then(() => {
      this.persistedCursor = Math.max(this.persistedCursor, cursor);
      this.scheduleAck();
    }).catch((e) => {
      console.error('parley: could not store locally', e);
      this.emit('problem', { message: 'This browser could not store the chats locally: ' + explain(e) });
    });
    return this.persistChain;
  }

  scheduleAck() {
    // Acknowledge only what is persisted, and only after the backlog (an ack must not pass
    // what this connection has delivered).
    if (!this.synced || !this.socket.online || this.persistedCursor <= this.ackedCursor) {
      return;
    }
    const upTo = this.persistedCursor;
    this.ackedCursor = upTo;
    this.socket.request({ type: 'ack', upTo }).catch((e) => {
      this.ackedCursor = 0; // resent on the next occasion
      this.requestFailed(e);
    });
  }

  // ---- sending ----------------------------------------------------------------------------

  nextClientMsgId() {
    this.counter++;
    const random = crypto.getRandomValues(new Uint8Array(6));
    const suffix = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
    return `web-${this.counter}-${suffix}`;
  }

  /** Queues a message in the outbox and sends it when connected. */
  send(conv, text) {
    // A lone UTF-16 surrogate (half an emoji, from a broken paste) has no UTF-8 form and the
    // server refuses it (INVALID_FIELD): it becomes U+FFFD, as TextEncoder would make it anyway.
    const body = typeof text.toWellFormed === 'function' ? text.toWellFormed() : text;
    const bytes = new TextEncoder().encode(body).length;
    const max = this.limits ? this.limits.maxBodyBytes : 65_536;
    if (bytes > max) {
      throw new ParleyError('MESSAGE_TOO_LARGE', `The message is too long (${bytes} bytes; at most ${max}).`);
    }
    const entry = { clientMsgId: this.nextClientMsgId(), conv, body, createdAt: Date.now() };
    this.outbox.set(entry.clientMsgId, entry);
    this.dirty.outboxPut.set(entry.clientMsgId, entry);
    this.dirty.meta = true;
    this.typingStopped(conv);
    this.emit('change', { what: 'conv', conv });
    // Stored locally before the first attempt, so a reload cannot lose it.
    this.persist().then(() => this.flushOutbox());
  }

  /**
   * Sends the outbox in order, one at a time (so the order typed is the order stored), until it
   * is empty or the connection fails; messages queued meanwhile are picked up by the same loop.
   */
  async flushOutbox() {
    if (this.flushing || !this.synced || !this.socket.online) {
      return;
    }
    this.flushing = true;
    try {
      for (;;) {
        const entry = [...this.outbox.values()].filter((o) => !o.failed && !this.inflight.has(o.clientMsgId))
            .sort((a, b) => a.createdAt - b.createdAt)[0];
        if (!entry || !this.socket.online) {
          break;
        }
        this.inflight.add(entry.clientMsgId);
        try {
          const sent = await this.socket.request({ type: 'send', conv: entry.conv, clientMsgId: entry.clientMsgId,
            body: entry.body, contentType: 'text/plain' });
          this.onSent(entry, sent);
        } catch (e) {
          this.inflight.delete(entry.clientMsgId);
          if (e instanceof ParleyError && e.retryable) {
            if (e.code === 'RATE_LIMITED') {
              setTimeout(() => this.flushOutbox(), e.retryAfterMs > 0 ? e.retryAfterMs : 1_000);
            }
            break; // the next connection (or the timer) resends with the same clientMsgId
          }
          entry.failed = explain(e);
          this.dirty.outboxPut.set(entry.clientMsgId, entry);
          this.schedulePersist();
          this.emit('change', { what: 'conv', conv: entry.conv });
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  onSent(entry, sent) {
    this.inflight.delete(entry.clientMsgId);
    this.applyMessage({ conv: sent.conv, seq: sent.seq, msgId: sent.msgId, from: this.user, fromDevice: this.device,
      clientMsgId: entry.clientMsgId, ts: sent.ts, body: entry.body, contentType: 'text/plain' }, false);
    this.outbox.delete(entry.clientMsgId);
    this.dirty.outboxDelete.add(entry.clientMsgId);
    this.schedulePersist();
    this.emit('change', { what: 'conv', conv: entry.conv });
  }

  /** Drops a message the server refused (it stays refused however often it is sent). */
  discard(clientMsgId) {
    const entry = this.outbox.get(clientMsgId);
    if (entry) {
      this.outbox.delete(clientMsgId);
      this.dirty.outboxDelete.add(clientMsgId);
      this.schedulePersist();
      this.emit('change', { what: 'conv', conv: entry.conv });
    }
  }

  // ---- conversations ------------------------------------------------------------------

  async openDirect(user) {
    const reply = await this.socket.request({ type: 'open_direct', user });
    this.upsertConversation(reply.conversation);
    this.afterConversationChange();
    return reply.conversation.conv;
  }

  async createGroup(name, members) {
    const reply = await this.socket.request({ type: 'create_group', name, members });
    const c = this.upsertConversation(reply.conversation);
    c.hasOlder = false;
    this.afterConversationChange();
    return reply.conversation.conv;
  }

  async addMembers(conv, users) {
    const reply = await this.socket.request({ type: 'add_members', conv, users });
    this.upsertConversation(reply.conversation);
    this.afterConversationChange();
  }

  async leaveGroup(conv) {
    await this.socket.request({ type: 'leave_group', conv });
    this.forgetConversation(conv);
    this.schedulePersist();
  }

  afterConversationChange() {
    this.schedulePersist();
    this.subscribePeers();
    this.emit('change', { what: 'all' });
  }

  /** Per-member receipt status of one message, from the server. */
  async messageInfo(conv, seq) {
    const info = await this.socket.request({ type: 'message_info', conv, seq });
    const c = this.conversations.get(conv);
    if (c) {
      for (const m of info.members) {
        const w = c.receipts[m.user] || { delivered: 0, read: 0 };
        w.delivered = Math.max(w.delivered, m.deliveredUpTo);
        w.read = Math.max(w.read, m.readUpTo);
        c.receipts[m.user] = w;
      }
      this.dirty.conversations.add(conv);
      this.schedulePersist();
      this.emit('change', { what: 'conv', conv });
    }
    return info;
  }

  /** The conversation shown; opening it marks it read (when the page is visible). */
  open(conv) {
    this.openConv = conv;
    if (conv) {
      this.markReadIfVisible();
      const latestOwn = [...this.messagesOf(conv).values()].filter((m) => m.from === this.user)
          .reduce((a, m) => (a && a.seq > m.seq ? a : m), null);
      if (latestOwn && this.socket.online) {
        this.messageInfo(conv, latestOwn.seq).catch((e) => this.requestFailed(e));
      }
    }
  }

  readUpTo(conv) {
    const c = this.conversations.get(conv);
    const mine = c && c.receipts[this.user];
    return mine ? mine.read : 0;
  }

  unread(conv) {
    const read = this.readUpTo(conv);
    let n = 0;
    for (const m of this.messagesOf(conv).values()) {
      if (m.seq > read && m.from !== this.user) {
        n++;
      }
    }
    return n;
  }

  markReadIfVisible() {
    const conv = this.openConv;
    if (!conv || document.visibilityState !== 'visible' || !this.synced || !this.socket.online) {
      return;
    }
    const c = this.conversations.get(conv);
    const upTo = this.maxSeq(conv);
    if (!c || upTo <= this.readUpTo(conv) || this.unread(conv) === 0) {
      return;
    }
    const w = c.receipts[this.user] || { delivered: 0, read: 0 };
    w.read = upTo;
    w.delivered = Math.max(w.delivered, upTo);
    c.receipts[this.user] = w;
    this.dirty.conversations.add(conv);
    this.schedulePersist();
    this.emit('change', { what: 'conv', conv });
    this.socket.request({ type: 'read', conv, upTo }).catch((e) => this.requestFailed(e));
  }

  /** Aggregate status of one of my messages: the lowest over the other members. */
  statusOf(conv, message) {
    const c = this.conversations.get(conv);
    const others = c ? c.members.filter((u) => u !== this.user) : [];
    if (others.length === 0) {
      return 'sent';
    }
    let lowest = 'read';
    for (const u of others) {
      const s = this.memberStatus(c, u, message.seq);
      if (STATUS_ORDER[s] < STATUS_ORDER[lowest]) {
        lowest = s;
      }
    }
    return lowest;
  }

  memberStatus(c, user, seq) {
    const w = c.receipts[user];
    if (w && w.read >= seq) {
      return 'read';
    }
    return w && w.delivered >= seq ? 'delivered' : 'sent';
  }

  // ---- typing and presence ------------------------------------------------------------

  /** The user typed in the composer of {@code conv}. */
  typed(conv) {
    if (!this.socket.online) {
      return;
    }
    const now = Date.now();
    if (this.typingSent.conv !== conv || now - this.typingSent.at > TYPING_REPEAT_MS) {
      if (this.typingSent.conv && this.typingSent.conv !== conv) {
        this.typingStopped(this.typingSent.conv);
      }
      this.typingSent.conv = conv;
      this.typingSent.at = now;
      this.socket.request({ type: 'typing', conv, state: 'start' }).catch(() => {});
    }
    clearTimeout(this.typingSent.stopTimer);
    this.typingSent.stopTimer = setTimeout(() => this.typingStopped(conv), TYPING_IDLE_MS);
  }

  typingStopped(conv) {
    clearTimeout(this.typingSent.stopTimer);
    if (this.typingSent.conv === conv) {
      this.typingSent.conv = null;
      this.typingSent.at = 0;
      if (this.socket.online) {
        this.socket.request({ type: 'typing', conv, state: 'stop' }).catch(() => {});
      }
    }
  }

  onTyping(frame) {
    let users = this.typingIn.get(frame.conv);
    if (!users) {
      users = new Map();
      this.typingIn.set(frame.conv, users);
    }
    clearTimeout(users.get(frame.user));
    if (frame.state === 'start') {
      users.set(frame.user, setTimeout(() => this.stopTypingOf(frame.conv, frame.user), TYPING_SHOWN_MS));
    } else {
      users.delete(frame.user);
    }
    this.emit('change', { what: 'typing', conv: frame.conv });
  }

  stopTypingOf(conv, user) {
    const users = this.typingIn.get(conv);
    if (users && users.has(user)) {
      clearTimeout(users.get(user));
      users.delete(user);
      this.emit('change', { what: 'typing', conv });
    }
  }

  typingUsers(conv) {
    const users = this.typingIn.get(conv);
    return users ? [...users.keys()] : [];
  }

  /** Everyone I share a conversation with: whose presence I may follow (protocol section 7.1). */
  peers() {
    const all = new Set();
    for (const c of this.conversations.values()) {
      c.members.forEach((u) => all.add(u));
    }
    all.delete(this.user);
    return [...all];
  }

  async subscribePeers() {
    if (!this.synced || !this.socket.online) {
      return;
    }
    const fresh = this.peers().filter((u) => !this.subscribed.has(u));
    for (let i = 0; i < fresh.length; i += 1024) {
      const users = fresh.slice(i, i + 1024);
      users.forEach((u) => this.subscribed.add(u));
      try {
        const reply = await this.socket.request({ type: 'subscribe_presence', users });
        for (const p of reply.presences) {
          this.presence.set(p.user, { online: p.online, lastSeen: p.lastSeen });
        }
        this.emit('change', { what: 'presence' });
      } catch (e) {
        users.forEach((u) => this.subscribed.delete(u));
        if (!(e instanceof ParleyError && e.code === 'FORBIDDEN')) {
          this.requestFailed(e);
        }
      }
    }
  }

  /**
   * Sets one privacy setting, 'everyone', 'contacts' or 'nobody': {@code lastSeen} (who sees my
   * online state and last seen) or {@code groupAdd} (who may add me to groups).
   */
  setPrivacy(setting, value) {
    return this.socket.request({ type: 'set_privacy', [setting]: value });
  }

  // ---- contacts -----------------------------------------------------------------------

  async loadContacts() {
    try {
      const reply = await this.socket.request({ type: 'list_contacts' });
      this.contactList = new Set(reply.contacts);
      this.emit('change', { what: 'contacts' });
    } catch (e) {
      this.requestFailed(e);
    }
  }

  isContact(user) {
    return this.contactList.has(user);
  }

  /** My contacts may add me to groups (groupAdd 'contacts') and see my last seen (lastSeen 'contacts'). */
  async addContact(user) {
    await this.socket.request({ type: 'add_contact', user });
    this.contactList.add(user);
    this.emit('change', { what: 'contacts' });
  }

  async removeContact(user) {
    await this.socket.request({ type: 'remove_contact', user });
    this.contactList.delete(user);
    this.emit('change', { what: 'contacts' });
  }

  /** Whether I may rename the group and add or remove members. */
  isAdmin(conv) {
    const c = this.conversations.get(conv);
    return !!c && (c.admins || []).includes(this.user);
  }
}
