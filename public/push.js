// Turning web push on for this device, from the account page: asks the browser's
// permission, registers the service worker, subscribes with the portal's VAPID public
// key and hands the subscription to the portal. Only a browser's script can do this;
// without it the page says what is needed.
(function () {
  "use strict";

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function deviceName() {
    var agent = navigator.userAgent;
    var model = /Android[^;]*;\s*([^;)]+)/.exec(agent);
    if (model) return model[1].trim().slice(0, 100);
    if (/iPhone|iPad/.test(agent)) return "iPhone / iPad";
    if (/Windows/.test(agent)) return "Windows";
    if (/Macintosh/.test(agent)) return "Mac";
    return "Linux";
  }

  function post(name, fields) {
    return fetch("/api/" + name, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(fields),
    }).then(function (response) {
      if (!response.ok) throw new Error(name + " answered " + response.status);
      return response.json();
    });
  }

  function setUp() {
    var box = document.getElementById("push-enable");
    var button = document.getElementById("push-enable-button");
    if (!box || !button || button.dataset.ready) return;
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    button.dataset.ready = "true";
    button.hidden = false;
    document.getElementById("push-needs-script").hidden = true;
    var status = document.getElementById("push-status");
    function fail(text) { status.textContent = text; status.hidden = false; button.disabled = false; }

    button.addEventListener("click", function () {
      button.disabled = true;
      status.hidden = true;
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { fail(box.dataset.denied); return; }
        return navigator.serviceWorker.register("/sw.js")
          .then(function () { return navigator.serviceWorker.ready; })
          .then(function (registration) {
            return post("push_key", {}).then(function (key) {
              return registration.pushManager.getSubscription().then(function (existing) {
                return existing || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
              });
            });
          })
          .then(function (subscription) {
            var json = subscription.toJSON();
            return post("subscribe_push", { endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth, device: deviceName() });
          })
          .then(function () { window.location.reload(); });
      }).catch(function () { fail(box.dataset.failed); });
    });
  }

  setUp();
  new MutationObserver(setUp).observe(document.documentElement, { childList: true, subtree: true });
})();
