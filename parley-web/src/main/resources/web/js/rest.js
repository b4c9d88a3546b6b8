// The REST half of the protocol (docs/PROTOCOL.md, section 11): accounts and devices.
// Everything else goes over the WebSocket (socket.js).

/** An error with the protocol's stable code and a sentence for people. */
export class ParleyError extends Error {
  constructor(code, message, retryable = false, retryAfterMs = 0) {
    super(message);
    this.code = code;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs || 0;
  }
}

// What a person should read for the codes a form can meet; the server's own message otherwise.
const EXPLAINED = {
  BAD_CREDENTIALS: 'Wrong username or password.',
  USERNAME_TAKEN: 'That username is already taken. Pick another one.',
  INVALID_USERNAME: 'Usernames are 3 to 32 characters: a lowercase letter first, then lowercase letters, digits, "_", "." or "-".',
  INVALID_PASSWORD: 'Passwords are 8 to 128 characters long.',
  WEAK_PASSWORD: 'That password is too easy to guess (it is one of the most common ones, or your username). Choose another one.',
  DEVICE_LIMIT_REACHED: 'You are logged in on too many devices. Log one out, or log in here and log out your oldest device.',
  USER_NOT_FOUND: 'There is no user with that name.',
  UNAUTHENTICATED: 'This device was logged out. Please log in again.',
  ADD_NOT_ALLOWED: 'is not letting you add them to groups. Ask them to add you to their contacts, or to allow everyone in their settings.',
  FORBIDDEN: 'Only the group’s admins can do that.',
  CONTACTS_FULL: 'Your contact list is full. Remove someone first.',
  TOO_MANY_PUSH_TARGETS: 'Too many of your devices get notifications already. Turn them off on one of them first.',
  WEBPUSH_NOT_CONFIGURED: 'This server does not send notifications to closed browsers.',
  RATE_LIMITED: 'Too many requests; slow down a little.',
  SERVER_BUSY: 'The server is busy. Try again in a moment.',
  SHUTTING_DOWN: 'The server is restarting. Try again in a moment.',
  UNAVAILABLE: 'The server cannot do this right now. Try again in a moment.',
  INTERNAL: 'The server had a problem. Try again in a moment.',
};

/** The sentence to show for an error (a ParleyError, or anything thrown). */
export function explain(error) {
  if (error instanceof ParleyError) {
    if (error.code === 'RATE_LIMITED' && error.retryAfterMs > 0) {
      const seconds = Math.ceil(error.retryAfterMs / 1000);
      return `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
    }
    if (error.code === 'ADD_NOT_ALLOWED') {
      // The server's message names the user first, in quotes: "bob" does not let you add them ...
      const who = /^"([^"]+)"/.exec(error.message || '');
      return `${who ? who[1] : 'Someone'} ${EXPLAINED.ADD_NOT_ALLOWED}`;
    }
    return EXPLAINED[error.code] || error.message;
  }
  return String(error && error.message ? error.message : error);
}

async function call(method, path, body, token) {
  const headers = {};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ParleyError('NETWORK', 'The server cannot be reached. Check that it is running and try again.', true);
  }
  if (response.status === 204) {
    return null;
  }
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    // a proxy's HTML error page, or an empty body
  }
  if (!response.ok) {
    const err = json && json.error;
    if (err && err.code) {
      throw new ParleyError(err.code, err.message || err.code, !!err.retryable, err.retryAfterMs);
    }
    throw new ParleyError('HTTP_' + response.status,
        `The server answered ${response.status} ${response.statusText || ''}`.trim() + '. Try again in a moment.',
        response.status >= 500);
  }
  return json;
}

/** POST /v1/users: creates the account. */
export function register(username, password) {
  return call('POST', '/v1/users', { username, password });
}

/**
 * POST /v1/sessions: logs a new device in; resolves to {user, device, token}. With
 * {@code replaceOldest} the user's oldest device is logged out when all slots are taken.
 */
export function login(username, password, deviceName, replaceOldest = false) {
  const body = { username, password, deviceName };
  if (replaceOldest) {
    body.replaceOldest = true;
  }
  return call('POST', '/v1/sessions', body);
}

/** GET /v1/push/webpush-key: the server's VAPID public key (WEBPUSH_NOT_CONFIGURED without Web Push). */
export async function webPushKey() {
  return (await call('GET', '/v1/push/webpush-key')).publicKey;
}

/** PUT /v1/devices/current/push: this device is woken through {@code subscription} (a PushSubscription). */
export function registerWebPush(token, subscription) {
  return call('PUT', '/v1/devices/current/push', { provider: 'webpush', target: subscription.toJSON() }, token);
}

/** DELETE /v1/devices/current/push: this device is no longer woken. */
export function clearPush(token) {
  return call('DELETE', '/v1/devices/current/push', undefined, token);
}

/** DELETE /v1/devices/{device}: revokes this device (its token stops working at once). */
export function revokeDevice(token, device) {
  return call('DELETE', `/v1/devices/${encodeURIComponent(device)}`, undefined, token);
}

/**
 * A device name after the browser, as a phone names itself ("Chrome on Linux"), so that the
 * list of devices (GET /v1/devices) says which one this is.
 */
export function browserDeviceName(userAgent = navigator.userAgent) {
  const browsers = [
    [/Edg\//, 'Edge'], [/OPR\//, 'Opera'], [/Firefox\//, 'Firefox'], [/Chromium\//, 'Chromium'],
    [/Chrome\//, 'Chrome'], [/Safari\//, 'Safari'],
  ];
  const systems = [
    [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/Windows/, 'Windows'], [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux'],
  ];
  const browser = (browsers.find(([re]) => re.test(userAgent)) || [null, 'Browser'])[1];
  const system = (systems.find(([re]) => re.test(userAgent)) || [null, ''])[1];
  const name = system ? `${browser} on ${system}` : browser;
  return `${/Headless/.test(userAgent) ? 'Headless ' : ''}${name}`.slice(0, 64);
}
