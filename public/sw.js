// The portal's service worker.
// - The app shell (script, wasm, style, icons) is cached, so pages open without network.
// - Pages are fetched from the network first; a trip page or gate pass that answered is
//   kept, and shown when the network is gone (the page says when it was read: "as of").
// - Kept pages belong to one account: each page response names its account by an
//   opaque scope and says when its session ends (X-Account-Scope, X-Session-Expires;
//   see app/src/server/offline.rs). Pages are kept per scope; a page of another account,
//   or of nobody, drops every other scope's pages; a page whose session has ended is
//   never shown; offline, only the current account's pages are.
// - Signing in or out forgets them, and signing out this device's push subscription
//   (the server drops its copy too): a phone lent to someone else shows neither the
//   last user's trips nor their notifications.
// - Pushed notifications are shown, and a tap opens the trip.
"use strict";

var SHELL = "shell-v1";
// One cache per account scope: PAGES + scope.
var PAGES = "pages-v2-";
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
      // Also the unscoped pages of earlier versions.
      return Promise.all(names.filter(function (name) { return name !== SHELL && name.indexOf(PAGES) !== 0; }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// Cache work one step at a time, so that pages of two accounts read at nearly the same
// moment cannot leave both kept.
var queue = Promise.resolve();
function serially(task) {
  queue = queue.then(task, task);
  return queue;
}

function pageCaches() {
  return caches.keys().then(function (names) { return names.filter(function (name) { return name.indexOf(PAGES) === 0; }); });
}

// Drops every account's pages but those of `scope` (all of them without one).
function keepOnly(scope) {
  return pageCaches().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== PAGES + scope; }).map(function (name) { return caches.delete(name); }));
  });
}

// Whether the session a kept page was read in is still running by the clock.
function sessionRunning(response) {
  var expires = Number(response.headers.get("x-session-expires"));
  return expires > Date.now() / 1000;
}

// What a page response says about whose pages may be kept; keeps it when it is worth it.
// A response without a scope is not the portal's page (a proxy's error page): it is
// neither kept nor believed.
function learn(request, response, worthKeeping) {
  var scope = response.headers.get("x-account-scope");
  if (!scope) return Promise.resolve();
  scopeUnknown = false;
  if (scope === "anonymous") return keepOnly(null);
  return keepOnly(scope).then(function () {
    if (!worthKeeping || !response.ok || response.status !== 200 || !sessionRunning(response)) return;
    return caches.open(PAGES + scope).then(function (cache) { return cache.put(request, response); });
  });
}

// The kept copy of `request` (or the trip list) of the current account, if its session
// is still running. The current account is the one whose pages are kept: never more
// than one for long, and with two (for a moment) neither is shown.
function keptPage(request) {
  if (scopeUnknown) return Promise.resolve(undefined);
  return pageCaches().then(function (names) {
    if (names.length !== 1) return undefined;
    return caches.open(names[0]).then(function (cache) {
      return cache.match(request, { ignoreSearch: true }).then(function (found) {
        return found || cache.match("/trips", { ignoreSearch: true });
      }).then(function (found) {
        if (found && sessionRunning(found)) return found;
        // The session is over: so are its pages.
        if (found) return caches.delete(names[0]).then(function () { return undefined; });
        return undefined;
      });
    });
  });
}

function forgetPages() {
  return pageCaches().then(function (names) { return Promise.all(names.map(function (name) { return caches.delete(name); })); });
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
  generation += 1;
  scopeUnknown = true;
  return Promise.all([
    serially(forgetPages),
    self.registration.pushManager.getSubscription().then(function (subscription) {
      return subscription && subscription.unsubscribe();
    }).catch(function () {}),
  ]);
}

// Forgetting (signing in or out) starts a new generation: an answer to a request made
// before it belongs to whoever was signed in then, and is neither kept nor learnt from.
var generation = 0;
// After a sign-in or sign-out, whose pages may be shown is unknown until a page answer
// of the new generation says so: until then no kept page is shown at all.
var scopeUnknown = false;

function learnIfCurrent(started, request, response, worthKeeping) {
  return serially(function () {
    if (started !== generation) return;
    return learn(request, response, worthKeeping);
  });
}

function offlinePage() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<p>Không có mạng. · No network. · 无网络。</p>",
    { status: 503, headers: { "content-type": "text/html; charset=utf-8" } }
  );
}

// A page from the network; when it is slower than a weak signal is worth waiting for
// (or gone), the kept copy if there is one. With no kept copy a slow network is waited
// for: "no network" is only said when there is none.
function page(event, worthKeeping) {
  var request = event.request;
  var started = generation;
  var network = fetch(request).then(function (response) {
    event.waitUntil(learnIfCurrent(started, request, response.clone(), worthKeeping));
    return response;
  });
  var slow = new Promise(function (resolve, reject) {
    setTimeout(function () { reject(new Error("slow network")); }, NETWORK_WAIT_MS);
  });
  return Promise.race([network, slow]).catch(function () {
    return serially(function () { return keptPage(request); }).then(function (kept) {
      if (kept) return savedCopy(kept);
      return network.catch(offlinePage);
    });
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
  // Someone signs in (or registers): whoever it is, the pages kept so far are not
  // theirs to see until the server says so again. The hydrated app changes pages
  // without loading them, so no page response would tell.
  if (request.method === "POST" && (url.pathname === "/api/login" || url.pathname === "/api/register_firm")) {
    generation += 1;
    scopeUnknown = true;
    event.waitUntil(serially(forgetPages));
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
    event.respondWith(page(event, KEEP.test(url.pathname)));
  }
});

// A page asks to keep its upcoming trips' pages and passes (see register-sw.js).
self.addEventListener("message", function (event) {
  var urls = ((event.data && event.data.keep) || []).filter(function (url) { return KEEP.test(url); });
  var started = generation;
  event.waitUntil(
    Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
        .then(function (response) { return learnIfCurrent(started, new Request(url), response, true); })
        .catch(function () {});
    }))
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
