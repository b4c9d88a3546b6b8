// Web Push (docs/PROTOCOL.md section 12): with "Notifications when closed" on, the browser keeps a
// push subscription made with the server's VAPID public key, and the server holds it as this
// device's push target. When a message arrives while no device of the user is connected, the
// server sends a private "wake up and sync" push; sw.js turns it into a notification.

import { webPushKey, registerWebPush, clearPush, ParleyError } from './rest.js';

const SUBSCRIBE_TIMEOUT_MS = 10_000;

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Registers sw.js for the whole app (it is served beside index.html). */
export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) {
    return Promise.resolve(null);
  }
  return navigator.serviceWorker.register('sw.js');
}

async function registration() {
  const existing = await navigator.serviceWorker.getRegistration();
  return existing || registerServiceWorker();
}

/** {supported, subscribed}: whether this browser can, and does, get pushes for Parley. */
export async function pushState() {
  if (!pushSupported()) {
    return { supported: false, subscribed: false };
  }
  const reg = await navigator.serviceWorker.getRegistration();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  return { supported: true, subscribed: !!sub };
}

function keyBytes(base64url) {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) {
    return false;
  }
  const a = new Uint8Array(buffer);
  return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
}

/** Subscribes this browser and registers the subscription as this device's push target. */
export async function enablePush(token) {
  if (!pushSupported()) {
    throw new ParleyError('PUSH_UNSUPPORTED', 'This browser cannot wake Parley when it is closed.');
  }
  const key = keyBytes(await webPushKey());
  if (await Notification.requestPermission() !== 'granted') {
    throw new ParleyError('PUSH_DENIED', 'Notifications are blocked for this site. Allow them in the browser’s site settings, then try again.');
  }
  const reg = await registration();
  await navigator.serviceWorker.ready;
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe(); // made for another server key: the push service would refuse the server's pushes
    sub = null;
  }
  if (!sub) {
    try {
      // Without a reachable push service the browser may never answer: give up after a while.
      let timer;
      const timeout = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new DOMException(`no answer in ${SUBSCRIBE_TIMEOUT_MS / 1000} s`,
            'TimeoutError')), SUBSCRIBE_TIMEOUT_MS);
      });
      sub = await Promise.race([reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
        timeout]).finally(() => clearTimeout(timer));
    } catch (e) {
      throw new ParleyError('PUSH_SUBSCRIBE_FAILED', 'This browser could not subscribe to notifications: its push '
          + `service did not answer (${e.name}: ${e.message}). Check the network, or try another browser.`);
    }
  }
  try {
    await registerWebPush(token, sub);
  } catch (e) {
    await sub.unsubscribe().catch(() => {});
    throw e;
  }
}

/** Ends the subscription and clears this device's push target on the server. */
export async function disablePush(token) {
  const reg = pushSupported() ? await navigator.serviceWorker.getRegistration() : null;
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub) {
    await sub.unsubscribe();
  }
  if (token) {
    await clearPush(token);
  }
}

/**
 * At start: registers the subscription again, since the server drops a target its push service
 * called dead and the browser may have renewed it meanwhile.
 */
export async function refreshPush(token) {
  const reg = pushSupported() ? await navigator.serviceWorker.getRegistration() : null;
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub) {
    await registerWebPush(token, sub);
  }
}
