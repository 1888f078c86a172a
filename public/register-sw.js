// Registers the service worker (public/sw.js), which keeps the app shell, and for a
// driver the gate passes and trip pages of upcoming trips, for use without network,
// and shows pushed notifications. Pages work without it; it only adds.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;

  // Shown while the network is gone (a page from the service worker's cache comes with
  // it shown already).
  function banner() {
    var note = document.getElementById("offline-banner");
    if (note && !navigator.onLine) note.hidden = false;
    if (note && navigator.onLine && note.dataset.live) note.hidden = true;
    if (note && !navigator.onLine) note.dataset.live = "true";
  }
  window.addEventListener("online", banner);
  window.addEventListener("offline", banner);
  window.addEventListener("pageshow", banner);
  banner();

  // Pages a trip list marks (data-offline) are fetched into the cache now, so that they
  // open at the border even if the driver never opened them with network.
  function keepForOffline(registration) {
    var urls = [];
    document.querySelectorAll("[data-offline]").forEach(function (element) {
      element.getAttribute("data-offline").split(" ").forEach(function (url) {
        if (url) urls.push(url);
      });
    });
    var list = urls.join(" ");
    // Asked once per list: the page changes often (live updates), its trips seldom.
    if (!urls.length || list === asked || !registration.active) return;
    asked = list;
    registration.active.postMessage({ keep: urls });
  }
  var asked = "";

  navigator.serviceWorker
    .register("/sw.js")
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function (registration) {
      keepForOffline(registration);
      // The hydrated app changes pages without loading them: look again after each.
      new MutationObserver(function () { keepForOffline(registration); })
        .observe(document.body, { childList: true, subtree: true });
    })
    .catch(function () { /* no service worker: the portal still works online */ });
})();
