// Scanning a gate pass with the tablet's or phone's camera, on the officers' console.
// The page works without it: the pass code (or the whole token) can always be typed.
// Where the browser has a camera and the BarcodeDetector API, the "Scan" button shows;
// a QR code read fills the pass field and submits the check-in form.
(function () {
  "use strict";
  if (window.borderGateScanner) return; // the script tag comes back with each re-render
  window.borderGateScanner = true;

  function setUp() {
    var button = document.getElementById("scan-pass");
    var video = document.getElementById("scan-video");
    var field = document.getElementById("field-pass");
    if (!button || !video || !field || button.dataset.ready) return;
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    button.dataset.ready = "true";
    button.hidden = false;
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      button.setAttribute("aria-pressed", "false");
    }

    function look() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length > 0 && codes[0].rawValue) {
          field.value = codes[0].rawValue;
          stop();
          var form = field.form;
          if (form && form.requestSubmit) form.requestSubmit();
          else if (form) form.submit();
          return;
        }
        window.requestAnimationFrame(look);
      }, function () { window.setTimeout(look, 200); });
    }

    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          button.setAttribute("aria-pressed", "true");
          return video.play();
        })
        .then(look, function () { stop(); field.focus(); });
    });
  }

  // The console is re-rendered after every action and live event: set up again then.
  setUp();
  new MutationObserver(setUp).observe(document.documentElement, { childList: true, subtree: true });
})();
