// The chat screen: renders a ChatClient's state into the DOM of index.html and turns clicks and
// keys into ChatClient calls. Plain DOM: every render builds the affected part again from the
// state (a conversation holds a few hundred messages at most in memory until scrolled back).

import { explain } from './rest.js';
import { pushState, enablePush, disablePush } from './push.js';

const $ = (id) => document.getElementById(id);
const TICKS = { pending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓' };
const STATUS_WORDS = { pending: 'waiting to send', sent: 'sent', delivered: 'delivered', read: 'read' };
const AVATAR_COLOURS = ['#00a884', '#1f7aa8', '#7e57c2', '#d81b60', '#f4511e', '#6d4c41', '#00897b', '#5c6bc0'];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k === 'class') {
      node.className = v;
    } else if (k.startsWith('on')) {
      node.addEventListener(k.slice(2), v);
    } else {
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c !== null && c !== undefined) {
      node.append(c instanceof Node ? c : String(c));
    }
  }
  return node;
}

function colourOf(name) {
  let h = 0;
  for (const ch of name) {
    h = (h * 31 + ch.codePointAt(0)) >>> 0;
  }
  return AVATAR_COLOURS[h % AVATAR_COLOURS.length];
}

function paintAvatar(node, name) {
  node.textContent = [...(name || '?')][0];
  node.style.background = colourOf(name || '?');
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function clock(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function shortTime(ts) {
  const d = new Date(ts);
  return sameDay(d, new Date()) ? clock(ts) : d.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

function dayLabel(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(d, today)) {
    return 'Today';
  }
  if (sameDay(d, yesterday)) {
    return 'Yesterday';
  }
  return d.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

function lastSeenText(p) {
  if (!p) {
    return '';
  }
  if (p.online) {
    return 'online';
  }
  if (!p.lastSeen) {
    return ''; // hidden by their privacy setting, or never seen: indistinguishable on purpose
  }
  const d = new Date(p.lastSeen);
  return sameDay(d, new Date()) ? `last seen today at ${clock(p.lastSeen)}`
      : `last seen ${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} at ${clock(p.lastSeen)}`;
}

function usernames(text) {
  return [...new Set(text.split(/[\s,;]+/).map((u) => u.trim().replace(/^@/, '').toLowerCase()).filter(Boolean))];
}

export class ChatView {
  constructor(client, actions) {
    this.client = client;
    this.actions = actions;
    this.listeners = [];
    this.stickToBottom = true;
    this.loadingOlder = false;
    this.statusTimer = null;
    this.connState = { state: 'connecting' };

    paintAvatar($('me-avatar'), client.user);
    $('me-name').textContent = client.user;
    document.title = 'Parley';

    this.on(client, 'change', (e) => this.onChange(e.detail));
    this.on(client, 'state', (e) => this.onState(e.detail));
    this.on(client, 'problem', (e) => this.showBanner(e.detail.message));
    this.on(client, 'incoming', (e) => this.notify(e.detail.message));
    this.on($('composer'), 'submit', (e) => {
      e.preventDefault();
      this.sendComposed();
    });
    this.on($('composer-input'), 'keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.sendComposed();
      }
    });
    this.on($('composer-input'), 'input', () => {
      this.autoGrow();
      this.saveDraft();
      if (this.client.openConv && $('composer-input').value) {
        this.client.typed(this.client.openConv);
      }
    });
    this.on($('messages'), 'scroll', () => this.onScroll());
    // A narrower window (a phone turned, the keyboard shown) keeps the newest message in view.
    this.resizeObserver = new ResizeObserver(() => {
      if (this.stickToBottom) {
        $('messages').scrollTop = $('messages').scrollHeight;
      }
    });
    this.resizeObserver.observe($('messages'));
    this.on($('back'), 'click', () => this.closeChat());
    this.on(document, 'keydown', (e) => {
      if (e.key === 'Escape' && document.body.classList.contains('chat-shown') && !document.querySelector('dialog[open]')) {
        this.closeChat();
      }
    });
    this.on(document, 'visibilitychange', () => this.client.markReadIfVisible());
    this.on(window, 'online', () => this.client.socket.retryNow());
    // Best effort: what arrived in the last moments is written before the page goes away (if it
    // is not, the cursor is not either, and the server sends it again).
    this.on(window, 'pagehide', () => this.client.persist());
    this.on($('new-chat'), 'click', () => this.openDialog('dlg-chat', 'chat-user'));
    this.on($('new-group'), 'click', () => this.openDialog('dlg-group', 'group-name'));
    this.on($('add-members'), 'click', () => this.openDialog('dlg-add', 'add-users'));
    this.on($('leave-group'), 'click', () => this.leaveGroup());
    this.on($('settings'), 'click', () => this.openSettings());
    this.on($('form-chat'), 'submit', (e) => this.submitDialog(e, 'chat-error', async () => {
      const user = usernames($('chat-user').value)[0];
      if (!user) {
        throw new Error('Enter a username.');
      }
      if (user === this.client.user) {
        throw new Error('That is you. Enter someone else’s username.');
      }
      return this.client.openDirect(user);
    }));
    this.on($('form-group'), 'submit', (e) => this.submitDialog(e, 'group-error', async () => {
      const name = $('group-name').value.trim();
      if (!name) {
        throw new Error('Give the group a name.');
      }
      return this.client.createGroup(name, usernames($('group-members').value).filter((u) => u !== this.client.user));
    }));
    this.on($('form-add'), 'submit', (e) => this.submitDialog(e, 'add-error', async () => {
      const users = usernames($('add-users').value);
      if (users.length === 0) {
        throw new Error('Enter at least one username.');
      }
      await this.client.addMembers(this.client.openConv, users);
      return this.client.openConv;
    }));
    for (const cancel of document.querySelectorAll('dialog .cancel')) {
      this.on(cancel, 'click', () => cancel.closest('dialog').close());
    }
    this.on($('privacy'), 'change', () => this.changePrivacy('lastSeen', 'privacy'));
    this.on($('group-add'), 'change', () => this.changePrivacy('groupAdd', 'group-add'));
    this.on($('contact-toggle'), 'click', () => this.toggleContact());
    this.on($('contact-add'), 'click', () => this.addContactFromSettings());
    this.on($('contact-user'), 'keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.addContactFromSettings();
      }
    });
    this.on($('push-toggle'), 'change', () => this.togglePush());
    this.on($('logout'), 'click', () => {
      $('dlg-settings').close();
      this.actions.logout();
    });
    this.on($('notify'), 'click', () => this.askNotifications());
    this.renderList();
    this.renderChat();
  }

  on(target, type, handler) {
    target.addEventListener(type, handler);
    this.listeners.push([target, type, handler]);
  }

  /** Detaches everything (at logout; the DOM stays for the next login). */
  dispose() {
    for (const [target, type, handler] of this.listeners) {
      target.removeEventListener(type, handler);
    }
    clearInterval(this.statusTimer);
    this.resizeObserver.disconnect();
    $('conv-list').replaceChildren();
    $('message-list').replaceChildren();
    $('banner').hidden = true;
    this.client.openConv = null;
    document.body.classList.remove('chat-shown');
    $('chat-open').hidden = true;
    $('chat-none').hidden = false;
  }

  // ---- connection state -------------------------------------------------------------------

  onState(detail) {
    this.connState = detail;
    this.renderStatus();
    clearInterval(this.statusTimer);
    if (detail.state === 'connecting' && detail.retryAt) {
      this.statusTimer = setInterval(() => this.renderStatus(), 1000);
    }
  }

  renderStatus() {
    const s = this.connState;
    const node = $('conn-status');
    node.dataset.state = s.state;
    if (s.state === 'online') {
      node.textContent = 'Online';
    } else if (s.state === 'stopped') {
      node.textContent = 'Disconnected';
    } else if (s.retryAt && s.retryAt > Date.now() + 900) {
      node.textContent = `Connecting… (retrying in ${Math.ceil((s.retryAt - Date.now()) / 1000)} s)`;
    } else {
      node.textContent = 'Connecting…';
    }
  }

  showBanner(message, actionLabel, action) {
    const banner = $('banner');
    banner.replaceChildren(message);
    if (actionLabel) {
      banner.append(el('button', { type: 'button', onclick: action }, actionLabel));
    } else {
      banner.append(el('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: () => {
        banner.hidden = true;
      } }, '×'));
    }
    banner.hidden = false;
  }

  // ---- list -------------------------------------------------------------------------------

  onChange(detail) {
    if (detail.what === 'contacts') {
      this.renderHeader();
      this.renderContacts();
      return;
    }
    if (detail.what === 'presence' || detail.what === 'typing') {
      this.renderHeader();
      if (detail.what === 'typing') {
        this.renderList();
      }
      return;
    }
    this.renderList();
    if (detail.what === 'all' || detail.conv === this.client.openConv) {
      this.renderChat(detail.what === 'older');
    }
  }

  titleOf(c) {
    if (c.kind === 'group') {
      return c.name || 'Group';
    }
    const other = c.members.find((u) => u !== this.client.user)
        || c.conv.split(':').slice(1).find((u) => u !== this.client.user);
    return other || c.conv;
  }

  /** The newest item of a conversation: a message, or a queued one. */
  lastOf(conv) {
    let last = null;
    for (const m of this.client.messagesOf(conv).values()) {
      if (!last || m.seq > last.seq) {
        last = m;
      }
    }
    for (const o of this.client.outbox.values()) {
      if (o.conv === conv && (!last || o.createdAt >= last.ts)) {
        last = { from: this.client.user, body: o.body, ts: o.createdAt, pending: true };
      }
    }
    return last;
  }

  renderList() {
    const client = this.client;
    const items = [...client.conversations.values()].map((c) => ({ c, last: this.lastOf(c.conv) }));
    items.sort((a, b) => (b.last ? b.last.ts : b.c.createdAt) - (a.last ? a.last.ts : a.c.createdAt));
    const list = $('conv-list');
    const focused = document.activeElement && document.activeElement.closest('#conv-list li');
    const focusedConv = focused ? focused.dataset.conv : null;
    list.replaceChildren(...items.map(({ c, last }) => {
      const title = this.titleOf(c);
      const unread = client.unread(c.conv);
      const typing = client.typingUsers(c.conv);
      let preview = '';
      if (typing.length > 0) {
        preview = c.kind === 'group' ? `${typing[0]} is typing…` : 'typing…';
      } else if (last) {
        preview = (last.from === client.user ? 'You: ' : c.kind === 'group' ? `${last.from}: ` : '') + last.body;
      } else {
        preview = c.kind === 'group' ? `${c.members.length} members` : 'No messages yet';
      }
      const avatar = el('span', { class: 'avatar', 'aria-hidden': 'true' });
      paintAvatar(avatar, title);
      const label = `${title}${unread ? `, ${unread} unread` : ''}${last ? `, last message ${shortTime(last.ts)}` : ''}`;
      return el('li', { 'data-conv': c.conv },
          el('button', { type: 'button', 'aria-label': label, 'aria-current': c.conv === client.openConv ? 'true' : null,
            onclick: () => this.openChat(c.conv) },
          avatar,
          el('span', { class: 'conv-main' },
              el('span', { class: 'conv-top' },
                  el('span', { class: 'conv-name' }, title),
                  el('span', { class: `conv-time${unread ? ' unread' : ''}` }, last ? shortTime(last.ts) : '')),
              el('span', { class: 'conv-bottom' },
                  el('span', { class: 'conv-last' }, preview),
                  unread ? el('span', { class: 'badge', 'aria-hidden': 'true' }, String(unread)) : null))));
    }));
    $('conv-empty').hidden = items.length > 0;
    if (focusedConv) {
      const again = list.querySelector(`li[data-conv="${CSS.escape(focusedConv)}"] button`);
      if (again) {
        again.focus();
      }
    }
    const totalUnread = items.reduce((n, { c }) => n + client.unread(c.conv), 0);
    document.title = totalUnread ? `(${totalUnread}) Parley` : 'Parley';
  }

  // ---- chat -------------------------------------------------------------------------------

  openChat(conv) {
    this.client.open(conv);
    this.stickToBottom = true;
    document.body.classList.add('chat-shown');
    $('composer-input').value = localStorage.getItem(this.draftKey(conv)) || '';
    this.autoGrow();
    this.renderList();
    this.renderChat();
    $('composer-input').focus();
    const c = this.client.conversations.get(conv);
    if (c && c.hasOlder && this.client.messagesOf(conv).size < 20) {
      this.loadOlder();
    }
  }

  closeChat() {
    this.client.open(null);
    document.body.classList.remove('chat-shown');
    this.renderChat();
    const item = document.querySelector('#conv-list li button');
    if (item) {
      item.focus();
    }
  }

  renderHeader() {
    const c = this.client.conversations.get(this.client.openConv);
    if (!c) {
      return;
    }
    const title = this.titleOf(c);
    $('chat-title').textContent = title;
    paintAvatar($('chat-avatar'), title);
    const sub = $('chat-sub');
    const typing = this.client.typingUsers(c.conv);
    if (typing.length > 0) {
      sub.textContent = c.kind === 'group' ? `${typing.join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…` : 'typing…';
      sub.className = 'sub typing';
    } else if (c.kind === 'group') {
      sub.textContent = c.members.map((u) => (u === this.client.user ? 'you' : u)).join(', ');
      sub.className = 'sub';
    } else {
      sub.textContent = lastSeenText(this.client.presence.get(title));
      sub.className = 'sub';
    }
    // Only admins may add members (the server says FORBIDDEN to others).
    $('add-members').hidden = c.kind !== 'group' || !this.client.isAdmin(c.conv);
    $('leave-group').hidden = c.kind !== 'group';
    const toggle = $('contact-toggle');
    toggle.hidden = c.kind !== 'direct';
    const contact = c.kind === 'direct' && this.client.isContact(title);
    toggle.setAttribute('aria-pressed', String(contact));
    toggle.textContent = contact ? '★' : '☆';
    toggle.setAttribute('aria-label', contact ? `Remove ${title} from contacts` : `Add ${title} to contacts`);
    toggle.title = contact ? `${title} is in your contacts: they may add you to groups and see your last seen `
        + 'when you allow contacts. Click to remove.' : `Add ${title} to your contacts`;
  }

  renderChat(keepOlderPosition = false) {
    const conv = this.client.openConv;
    const c = conv && this.client.conversations.get(conv);
    $('chat-open').hidden = !c;
    $('chat-none').hidden = !!c;
    if (!c) {
      document.body.classList.remove('chat-shown');
      return;
    }
    this.renderHeader();
    const box = $('messages');
    const fromBottom = box.scrollHeight - box.scrollTop;
    const client = this.client;
    const items = [];
    let lastDay = null;
    const dayOf = (ts) => new Date(ts).toDateString();
    const messages = [...client.messagesOf(conv).values()].sort((a, b) => a.seq - b.seq);
    const queued = [...client.outbox.values()].filter((o) => o.conv === conv).sort((a, b) => a.createdAt - b.createdAt);
    for (const m of messages) {
      if (dayOf(m.ts) !== lastDay) {
        lastDay = dayOf(m.ts);
        items.push(el('li', { class: 'day', role: 'separator' }, dayLabel(m.ts)));
      }
      items.push(this.renderMessage(c, m, m.from === client.user ? client.statusOf(conv, m) : null));
    }
    for (const o of queued) {
      if (dayOf(o.createdAt) !== lastDay) {
        lastDay = dayOf(o.createdAt);
        items.push(el('li', { class: 'day', role: 'separator' }, dayLabel(o.createdAt)));
      }
      items.push(this.renderMessage(c, { from: client.user, body: o.body, ts: o.createdAt, clientMsgId: o.clientMsgId,
        failed: o.failed }, 'pending'));
    }
    $('message-list').replaceChildren(...items);
    const older = $('older');
    older.hidden = !(c.hasOlder && this.client.minSeq(conv) !== 1) && !this.loadingOlder;
    older.textContent = this.loadingOlder ? 'Loading earlier messages…' : 'Scroll up for earlier messages';
    if (keepOlderPosition) {
      box.scrollTop = box.scrollHeight - fromBottom;
    } else if (this.stickToBottom) {
      box.scrollTop = box.scrollHeight;
    }
  }

  renderMessage(c, m, status) {
    const mine = m.from === this.client.user;
    const time = el('time', { datetime: new Date(m.ts).toISOString() }, clock(m.ts));
    const meta = el('span', { class: 'meta' }, time);
    if (mine) {
      const word = STATUS_WORDS[status];
      const perMember = c.kind === 'group' && status !== 'pending';
      const ticks = el(perMember ? 'button' : 'span', {
        class: 'ticks', 'data-status': status, 'aria-label': perMember ? `${word}; show who has read it` : word,
        title: perMember ? this.memberSummary(c, m.seq) : word, type: perMember ? 'button' : null,
        onclick: perMember ? () => this.showInfo(c.conv, m.seq) : null,
      }, TICKS[status]);
      meta.append(ticks);
    }
    const failure = m.failed ? el('span', { class: 'failure', role: 'alert' }, `Not sent: ${m.failed}`,
        el('button', { type: 'button', onclick: () => this.client.discard(m.clientMsgId) }, 'Remove')) : null;
    return el('li', {
      class: `msg${mine ? ' mine' : ''}${m.failed ? ' failed' : ''}`,
      'data-seq': m.seq, 'data-client-msg-id': m.clientMsgId, 'data-from': m.from,
    },
    c.kind === 'group' && !mine ? el('span', { class: 'from' }, m.from) : null,
    mine ? el('span', { class: 'visually-hidden' }, 'You: ') : null,
    el('span', { class: 'body' }, m.body), meta, failure);
  }

  memberSummary(c, seq) {
    return c.members.filter((u) => u !== this.client.user)
        .map((u) => `${u}: ${STATUS_WORDS[this.client.memberStatus(c, u, seq)]}`).join('\n');
  }

  async showInfo(conv, seq) {
    const list = $('info-list');
    list.replaceChildren(el('li', {}, 'Loading…'));
    $('dlg-info').showModal();
    try {
      const info = await this.client.messageInfo(conv, seq);
      list.replaceChildren(...info.members.map((m) => el('li', { 'data-user': m.user, 'data-status': m.status },
          el('span', {}, m.user),
          el('span', {}, el('span', { class: 'ticks', 'data-status': m.status, 'aria-hidden': 'true' }, TICKS[m.status]),
              ' ', STATUS_WORDS[m.status]))));
    } catch (e) {
      list.replaceChildren(el('li', { class: 'error' }, explain(e)));
    }
  }

  onScroll() {
    const box = $('messages');
    this.stickToBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    if (box.scrollTop < 60) {
      this.loadOlder();
    }
  }

  async loadOlder() {
    const conv = this.client.openConv;
    const c = conv && this.client.conversations.get(conv);
    if (!c || !c.hasOlder || this.loadingOlder) {
      return;
    }
    this.loadingOlder = true;
    try {
      await this.client.loadOlder(conv);
    } finally {
      this.loadingOlder = false;
      if (this.client.openConv === conv) {
        this.renderChat(true);
      }
    }
  }

  draftKey(conv) {
    return `parley.draft.${this.client.user}.${conv}`;
  }

  /** What is typed but not sent survives a reload, per conversation, as on a phone. */
  saveDraft() {
    const conv = this.client.openConv;
    if (!conv) {
      return;
    }
    const text = $('composer-input').value;
    if (text) {
      localStorage.setItem(this.draftKey(conv), text);
    } else {
      localStorage.removeItem(this.draftKey(conv));
    }
  }

  autoGrow() {
    const input = $('composer-input');
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 128)}px`;
  }

  sendComposed() {
    const input = $('composer-input');
    const body = input.value;
    const conv = this.client.openConv;
    if (!conv || body.trim() === '') {
      return;
    }
    try {
      this.client.send(conv, body);
      input.value = '';
      this.saveDraft();
      this.autoGrow();
      this.stickToBottom = true;
      this.renderChat();
    } catch (e) {
      this.showBanner(explain(e));
    }
  }

  // ---- dialogs ----------------------------------------------------------------------------

  openDialog(id, focusId) {
    const dialog = $(id);
    dialog.querySelectorAll('input').forEach((i) => {
      i.value = '';
    });
    dialog.querySelectorAll('.error').forEach((e) => {
      e.textContent = '';
    });
    dialog.showModal();
    $(focusId).focus();
  }

  async submitDialog(event, errorId, action) {
    event.preventDefault();
    const dialog = event.target.closest('dialog');
    const button = dialog.querySelector('button[type="submit"]');
    $(errorId).textContent = '';
    if (!this.client.socket.online) {
      $(errorId).textContent = 'Not connected to the server. Wait until the connection is back and try again.';
      return;
    }
    button.disabled = true;
    try {
      const conv = await action();
      dialog.close();
      if (conv) {
        this.openChat(conv);
      }
    } catch (e) {
      $(errorId).textContent = explain(e);
    } finally {
      button.disabled = false;
    }
  }

  async leaveGroup() {
    const conv = this.client.openConv;
    const c = conv && this.client.conversations.get(conv);
    if (!c || !window.confirm(`Leave the group “${c.name}”?`)) {
      return;
    }
    try {
      await this.client.leaveGroup(conv);
      this.closeChat();
    } catch (e) {
      this.showBanner(explain(e));
    }
  }

  async toggleContact() {
    const c = this.client.conversations.get(this.client.openConv);
    if (!c || c.kind !== 'direct') {
      return;
    }
    const other = this.titleOf(c);
    try {
      if (this.client.isContact(other)) {
        await this.client.removeContact(other);
      } else {
        await this.client.addContact(other);
      }
    } catch (e) {
      this.showBanner(explain(e));
    }
  }

  renderContacts() {
    const contacts = [...this.client.contactList].sort();
    $('contact-list').replaceChildren(...(contacts.length === 0
      ? [el('li', { class: 'none' }, 'No contacts yet.')]
      : contacts.map((u) => el('li', { 'data-user': u }, el('span', {}, u),
          el('button', { type: 'button', class: 'icon', 'aria-label': `Remove ${u} from contacts`, title: 'Remove',
            onclick: () => this.removeContactFromSettings(u) }, '×')))));
  }

  async addContactFromSettings() {
    const user = usernames($('contact-user').value)[0];
    $('settings-error').textContent = '';
    if (!user) {
      $('settings-error').textContent = 'Enter a username.';
      return;
    }
    try {
      await this.client.addContact(user);
      $('contact-user').value = '';
    } catch (e) {
      $('settings-error').textContent = explain(e);
    }
  }

  async removeContactFromSettings(user) {
    try {
      await this.client.removeContact(user);
    } catch (e) {
      $('settings-error').textContent = explain(e);
    }
  }

  async renderPush() {
    const state = await pushState();
    $('push-toggle').checked = state.subscribed;
    $('push-toggle').disabled = !state.supported;
    $('push-hint').textContent = !state.supported ? 'This browser cannot wake Parley when it is closed.'
        : state.subscribed ? 'A notification says when new messages arrive while Parley is closed (without who or what).'
            : '';
  }

  async togglePush() {
    const on = $('push-toggle').checked;
    $('settings-error').textContent = '';
    $('push-toggle').disabled = true;
    try {
      if (on) {
        await enablePush(this.client.token);
      } else {
        await disablePush(this.client.token);
      }
    } catch (e) {
      $('settings-error').textContent = explain(e);
    } finally {
      await this.renderPush();
    }
  }

  openSettings() {
    $('settings-error').textContent = '';
    $('contact-user').value = '';
    $('privacy').value = localStorage.getItem(`parley.privacy.${this.client.user}`) || 'everyone';
    $('group-add').value = localStorage.getItem(`parley.groupAdd.${this.client.user}`) || 'contacts';
    this.renderContacts();
    this.renderPush();
    const canNotify = 'Notification' in window;
    $('notify').hidden = !canNotify || Notification.permission !== 'default';
    $('notify-hint').textContent = !canNotify ? 'This browser cannot show notifications here.'
        : Notification.permission === 'granted' ? 'Notifications are shown while Parley is in the background.'
            : Notification.permission === 'denied' ? 'Notifications are blocked in this browser’s site settings.' : '';
    $('dlg-settings').showModal();
  }

  async changePrivacy(setting, selectId) {
    const value = $(selectId).value;
    try {
      await this.client.setPrivacy(setting, value);
      localStorage.setItem(`parley.${setting === 'lastSeen' ? 'privacy' : setting}.${this.client.user}`, value);
      $('settings-error').textContent = '';
    } catch (e) {
      $('settings-error').textContent = explain(e);
    }
  }

  async askNotifications() {
    await Notification.requestPermission();
    this.openSettings();
  }

  /** A message from someone else arrived live: tell the user if the tab is in the background. */
  notify(message) {
    if (document.visibilityState === 'visible' || !('Notification' in window) || Notification.permission !== 'granted') {
      return;
    }
    const c = this.client.conversations.get(message.conv);
    const title = c && c.kind === 'group' ? `${message.from} in ${c.name}` : message.from;
    const n = new Notification(title, { body: message.body.slice(0, 200), tag: message.conv, icon: 'icon.svg' });
    n.onclick = () => {
      window.focus();
      this.openChat(message.conv);
      n.close();
    };
  }
}
