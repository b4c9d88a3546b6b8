// Parley's service worker, for Web Push only (nothing is cached: the app needs its server).
// A push is private by default, {"parley":"sync"}: nothing says who wrote or what, so the
// notification says only that there are new messages. With the operator's push.previews on it
// also carries sender and body. Every push shows a notification (userVisibleOnly), under one tag
// so that several pushes make one notification.

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {}; // not JSON: still a wake-up
  }
  const preview = typeof data.sender === 'string' && typeof data.body === 'string';
  const title = preview ? data.sender : 'New messages';
  const body = preview ? data.body : 'Open Parley to read them.';
  event.waitUntil(self.registration.showNotification(title, {
    body, tag: 'parley-sync', renotify: true, icon: 'icon.svg', data: { url: self.registration.scope },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const app = windows.find((w) => w.url.startsWith(self.registration.scope));
    if (app) {
      return app.focus();
    }
    return self.clients.openWindow(self.registration.scope);
  })());
});
