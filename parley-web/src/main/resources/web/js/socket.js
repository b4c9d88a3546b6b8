// One WebSocket to /ws (docs/PROTOCOL.md, sections 3 and 5): authentication by the first frame
// (the token never appears in a URL), requests matched to replies by id, a ping every third of
// the server's heartbeat, and reconnection with exponential backoff and jitter.

import { ParleyError } from './rest.js';

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const REQUEST_TIMEOUT_MS = 20_000;
// A connection that neither opens nor fails (a proxy or network that swallows it) is given up
// after this long and tried again.
const WELCOME_TIMEOUT_MS = 15_000;

/**
 * The connection's states, shown to the user: 'connecting' (opening or waiting to retry),
 * 'online' (welcome received), 'stopped' (logged out, revoked, or replaced by another tab).
 */
export class ParleySocket {
  /**
   * @param {object} handlers onWelcome(welcome), onEvent(frame), onState(state, detail),
   *                          onFatal(code, reason): the connection will not come back by itself
   */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.stopped = false;
    this.state = 'connecting';
    this.retryAt = 0;
  }

  /** Opens the connection (and keeps reopening it until stop()). */
  start() {
    this.stopped = false;
    this.open();
  }

  /** Closes for good: no more reconnects. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.welcomeTimer);
    clearInterval(this.pingTimer);
    if (this.ws) {
      this.ws.close(1000, 'bye');
    }
    this.failPending(new ParleyError('CLOSED', 'connection closed', true));
    this.setState('stopped');
  }

  /** Reconnects at once if waiting for a retry (e.g. the browser says the network is back). */
  retryNow() {
    if (!this.stopped && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.open();
    }
  }

  get online() {
    return this.state === 'online';
  }

  /**
   * Sends a request; resolves with the reply frame or rejects with a ParleyError (the frame's
   * code, or CLOSED/TIMEOUT, both retryable, when the connection went away first).
   */
  request(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.state !== 'online') {
      return Promise.reject(new ParleyError('CLOSED', 'not connected', true));
    }
    const id = String(this.nextId++);
    const ws = this.ws;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) {
          reject(new ParleyError('TIMEOUT', 'the server did not answer in time', true));
        }
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  open() {
    this.retryTimer = null;
    this.setState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/ws?v=1`);
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    let closeHandled = false;
    clearTimeout(this.welcomeTimer);
    this.welcomeTimer = setTimeout(() => {
      if (ws === this.ws && this.state !== 'online' && !closeHandled) {
        closeHandled = true;
        ws.close();
        this.onClose(1006, 'no welcome in time');
      }
    }, WELCOME_TIMEOUT_MS);
    ws.onopen = () => {
      this.lastHeard = Date.now();
      ws.send(JSON.stringify({ type: 'auth', id: 'auth', token: this.token }));
    };
    ws.onmessage = (e) => {
      if (ws !== this.ws) {
        return;
      }
      this.lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch (err) {
        console.warn('parley: unreadable frame ignored');
        return;
      }
      this.onFrame(frame);
    };
    ws.onclose = (e) => {
      if (closeHandled || ws !== this.ws) {
        return;
      }
      closeHandled = true;
      this.onClose(e.code, e.reason);
    };
  }

  onFrame(frame) {
    if (frame.type === 'welcome') {
      clearTimeout(this.welcomeTimer);
      this.attempt = 0;
      this.setState('online');
      const beat = Math.max(5, frame.heartbeatSeconds || 60) * 1000;
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.heartbeat(beat), beat / 3);
      this.handlers.onWelcome(frame);
      return;
    }
    if (frame.type === 'reconnect') {
      this.serverRetryAfter = frame.retryAfterMs;
      return;
    }
    if (frame.id !== undefined && frame.id !== 'auth') {
      const waiter = this.pending.get(frame.id);
      if (waiter) {
        this.pending.delete(frame.id);
        clearTimeout(waiter.timer);
        if (frame.type === 'error') {
          waiter.reject(new ParleyError(frame.code, frame.message, !!frame.retryable, frame.retryAfterMs));
        } else {
          waiter.resolve(frame);
        }
      }
      return;
    }
    if (frame.type === 'error') {
      // An error without a request (or for the auth frame): the close that follows says what to do.
      this.lastError = frame;
      return;
    }
    this.handlers.onEvent(frame);
  }

  heartbeat(beatMs) {
    if (Date.now() - this.lastHeard > beatMs) {
      // Silence for a whole heartbeat: the connection is dead even if the browser has not noticed.
      this.ws.close(4000, 'heartbeat timeout');
      this.onClose(1006, 'heartbeat timeout');
      return;
    }
    this.request({ type: 'ping' }).catch(() => {});
  }

  onClose(code, reason) {
    clearInterval(this.pingTimer);
    this.ws = null;
    this.failPending(new ParleyError('CLOSED', 'connection lost', true));
    if (this.stopped) {
      return;
    }
    const error = this.lastError;
    this.lastError = null;
    if (code === 1008 && error && error.code === 'UNAUTHENTICATED' || reason === 'device revoked') {
      this.stopped = true;
      this.setState('stopped');
      this.handlers.onFatal('UNAUTHENTICATED', 'This device was logged out. Please log in again.');
      return;
    }
    if (code === 4001) {
      this.stopped = true;
      this.setState('stopped');
      this.handlers.onFatal('REPLACED', 'Parley is open in another tab or window of this browser.');
      return;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const step = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempt);
    this.attempt++;
    let wait = step / 2 + Math.random() * step / 2;
    if (this.serverRetryAfter) {
      wait = this.serverRetryAfter;
      this.serverRetryAfter = 0;
    }
    this.retryAt = Date.now() + wait;
    this.setState('connecting', { retryAt: this.retryAt, attempt: this.attempt });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), wait);
  }

  failPending(error) {
    for (const [, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.pending.clear();
  }

  setState(state, detail = {}) {
    this.state = state;
    this.handlers.onState(state, detail);
  }
}
