// The portal's service worker.
// - The app shell (script, wasm, style, icons) is cached, so pages open without network.
// - Pages are fetched from the network first; a trip page or gate pass that answered is
//   kept, and shown when the network is gone (the page says when it was read: "as of").
// - Signing out forgets them, and this device's push subscription: a phone lent to
//   someone else shows neither the last user's trips nor their notifications.
// - Pushed notifications are shown, and a tap opens the trip.
"use strict";

var SHELL = "shell-v1";
var PAGES = "pages-v1";
var SHELL_FILES = [
  "/pkg/border-gate.js",
  "/pkg/border-gate.wasm",
  "/pkg/border-gate.css",
  "/register-sw.js",
  "/manifest.webmanifest",
  "/icons/icon.svg",
  "/icons/icon-192.png",
];
// Pages worth keeping for use offline.
var KEEP = /^\/trips(\/[0-9a-f-]{36}(\/pass)?)?$/;
var NETWORK_WAIT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== SHELL && name !== PAGES; }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keep(request, response) {
  if (response.ok && response.status === 200) {
    var copy = response.clone();
    caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

// A page from the cache says so: its "no network, saved copy" banner is shown.
function savedCopy(response) {
  return response.text().then(function (html) {
    return new Response(html.replace('id="offline-banner" role="status" hidden', 'id="offline-banner" role="status"'), {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  });
}

function forget() {
  return Promise.all([
    caches.delete(PAGES),
    self.registration.pushManager.getSubscription().then(function (subscription) {
      return subscription && subscription.unsubscribe();
    }).catch(function () {}),
  ]);
}

// The network, but not longer than a weak signal is worth waiting for.
function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("slow network")); }, NETWORK_WAIT_MS);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); }, function (error) { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/api/logout") {
    event.waitUntil(forget());
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/live/") === 0) return;

  if (SHELL_FILES.indexOf(url.pathname) !== -1) {
    // Network first (a new build replaces the cached copy), the cache when offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok) { var copy = response.clone(); caches.open(SHELL).then(function (cache) { cache.put(request, copy); }); }
        return response;
      }).catch(function () { return caches.match(request); })
    );
    return;
  }

  if (request.mode === "navigate" || (request.headers.get("accept") || "").indexOf("text/html") !== -1) {
    var worthKeeping = KEEP.test(url.pathname);
    event.respondWith(
      fromNetwork(request)
        .then(function (response) { return worthKeeping ? keep(request, response) : response; })
        .catch(function () {
          return caches.match(request, { ignoreSearch: true }).then(function (cached) {
            return cached || caches.match("/trips", { ignoreSearch: true });
          }).then(function (cached) {
            return cached ? savedCopy(cached) : new Response(
                "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
                  "<p>Không có mạng. · No network. · 无网络。</p>",
                { status: 503, headers: { "content-type": "text/html; charset=utf-8" } }
              );
          });
        })
    );
  }
});

// A page asks to keep its upcoming trips' pages and passes (see register-sw.js).
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(
    caches.open(PAGES).then(function (cache) {
      return Promise.all(urls.filter(function (url) { return KEEP.test(url); }).map(function (url) {
        return fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
          .then(function (response) { if (response.ok && response.status === 200) return cache.put(url, response); })
          .catch(function () {});
      }));
    })
  );
});

self.addEventListener("push", function (event) {
  var message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = { body: event.data && event.data.text() }; }
  event.waitUntil(
    self.registration.showNotification(message.title || "Cửa khẩu số", {
      body: message.body || "",
      tag: message.tag,
      lang: message.language,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { url: message.url || "/trips" },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/trips";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (new URL(windows[i].url).pathname === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
