// Entry point: the first screen (log in / register), then the chat screen for the device whose
// token this browser keeps. The token is kept like a phone keeps its device token: in this
// origin's localStorage until the user logs out (which revokes the device on the server).

import { register, login, revokeDevice, browserDeviceName, explain, ParleyError } from './rest.js';
import { openDeviceDb, deleteDeviceDb } from './db.js';
import { ChatClient } from './client.js';
import { ChatView } from './view.js';
import { registerServiceWorker, refreshPush, disablePush } from './push.js';

const SESSION_KEY = 'parley.session';
const $ = (id) => document.getElementById(id);

let client = null;
let view = null;

function savedSession() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    return s && s.user && s.device && s.token ? s : null;
  } catch (e) {
    return null;
  }
}

// ---- first screen ---------------------------------------------------------------------------

let mode = 'login';

function setMode(next) {
  mode = next;
  $('tab-login').setAttribute('aria-selected', String(mode === 'login'));
  $('tab-register').setAttribute('aria-selected', String(mode === 'register'));
  $('auth-submit').textContent = mode === 'login' ? 'Log in' : 'Create account';
  $('auth-password').autocomplete = mode === 'login' ? 'current-password' : 'new-password';
  $('auth-password-hint').hidden = mode === 'login';
  $('auth-error').textContent = '';
  $('auth-replace').hidden = true;
}

function showAuth(message = '') {
  $('loading').hidden = true;
  $('chat-screen').hidden = true;
  $('auth-screen').hidden = false;
  document.body.classList.remove('chat-shown');
  document.title = 'Parley';
  $('auth-error').textContent = message;
  $('auth-replace').hidden = true;
  $('auth-username').focus();
}

/** Checks what the server would refuse anyway, so the common mistakes are explained at once. */
function localProblem(username, password) {
  if (!username) {
    return 'Enter your username.';
  }
  if (!password) {
    return 'Enter your password.';
  }
  if (mode === 'register' && !/^[a-z][a-z0-9_.-]{2,31}$/.test(username)) {
    return explain(new ParleyError('INVALID_USERNAME', ''));
  }
  const counted = password.trim().length; // the server does not count leading and trailing spaces
  if (mode === 'register' && (counted < 8 || counted > 128)) {
    return explain(new ParleyError('INVALID_PASSWORD', ''));
  }
  return null;
}

async function submitAuth(event, replaceOldest = false) {
  event.preventDefault();
  const username = $('auth-username').value.trim();
  const password = $('auth-password').value;
  const problem = localProblem(username, password);
  if (problem) {
    $('auth-error').textContent = problem;
    return;
  }
  $('auth-error').textContent = '';
  $('auth-replace').hidden = true;
  $('auth-submit').disabled = true;
  try {
    if (mode === 'register') {
      await register(username, password);
      setMode('login'); // the account exists: a failed login below is retried as a login
    }
    const session = await login(username, password, browserDeviceName(), replaceOldest);
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    $('auth-password').value = '';
    await startChat(session);
  } catch (e) {
    $('auth-error').textContent = explain(e);
    $('auth-replace').hidden = !(e instanceof ParleyError && e.code === 'DEVICE_LIMIT_REACHED');
  } finally {
    $('auth-submit').disabled = false;
  }
}

// ---- chat screen ----------------------------------------------------------------------------

async function startChat(session) {
  $('loading').hidden = true;
  $('auth-screen').hidden = true;
  $('chat-screen').hidden = false;
  const db = await openDeviceDb(session.user, session.device);
  client = new ChatClient(session, db);
  view = new ChatView(client, { logout });
  client.addEventListener('fatal', (e) => onFatal(session, e.detail));
  await client.start();
  refreshPush(session.token).catch((e) => console.warn('parley: the push subscription was not renewed', e));
}

async function onFatal(session, detail) {
  if (detail.code === 'UNAUTHENTICATED') {
    await endSession(session, false);
    showAuth(detail.message);
  } else {
    view.showBanner(detail.message, 'Use here', () => location.reload());
  }
}

async function endSession(session, revoke) {
  if (client) {
    client.stop();
    client.db.close();
  }
  if (view) {
    view.dispose();
  }
  client = null;
  view = null;
  localStorage.removeItem(SESSION_KEY);
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(`parley.draft.${session.user}.`)) {
      localStorage.removeItem(key); // drafts are private to this login
    }
  }
  // The browser's subscription ends with the login (the server forgets the revoked device's target).
  await disablePush(null).catch((e) => console.warn('parley: the push subscription was not ended', e));
  if (revoke) {
    try {
      await revokeDevice(session.token, session.device);
    } catch (e) {
      if (!(e instanceof ParleyError && (e.code === 'UNAUTHENTICATED' || e.code === 'DEVICE_NOT_FOUND'))) {
        console.warn('parley: the device could not be revoked on the server', e);
      }
    }
  }
  await deleteDeviceDb(session.user, session.device);
}

async function logout() {
  const session = savedSession();
  if (session) {
    await endSession(session, true);
  }
  showAuth('You are logged out.');
}

function boot() {
  $('tab-login').addEventListener('click', () => setMode('login'));
  $('tab-register').addEventListener('click', () => setMode('register'));
  document.querySelector('.tabs').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const next = mode === 'login' ? 'register' : 'login';
      setMode(next);
      $(`tab-${next}`).focus();
    }
  });
  $('auth-form').addEventListener('submit', submitAuth);
  $('auth-replace').addEventListener('click', (e) => submitAuth(e, true));
  // For "Notifications when closed" (push.js); the app works without it.
  registerServiceWorker().catch((e) => console.warn('parley: no service worker', e));
  const session = savedSession();
  if (session) {
    startChat(session).catch((e) => showAuth('Could not open your chats: ' + explain(e)));
  } else {
    showAuth();
  }
}

boot();
