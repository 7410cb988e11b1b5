/* The gate page's "Scan the QR code" button (templates/renovation/gate/gate.html).
 * The back camera is shown in the page; each frame is read with the browser's own
 * BarcodeDetector where it has one that knows QR codes, else with the vendored jsQR
 * (static/vendor/jsqr/, loaded only then). The text read is put in the pass number box
 * and the form is sent: the server checks the signed code and logs the check.
 * Without a camera (or over plain http, where browsers refuse one) the button stays
 * hidden and the guard types the number. No inline script: the CSP allows ours only. */
(function () {
  "use strict";

  var form = document.getElementById("gate-form");
  var config = document.getElementById("gate-scan-config");
  if (!form || !config) return;
  var input = form.querySelector("[name=code]");
  var start = form.querySelector("[data-scan-start]");
  var stopButton = form.querySelector("[data-scan-stop]");
  var panel = form.querySelector("[data-scan-panel]");
  var status = form.querySelector("[data-scan-status]");
  var error = form.querySelector("[data-scan-error]");
  var video = panel.querySelector("video");
  var stream = null;
  var detector = null;
  var running = false;
  var canvas = null;
  var MAX_WIDTH = 640;   // frames are scaled down for jsQR: fast enough on a cheap phone

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  start.hidden = false;

  function say(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    panel.hidden = true;
    start.hidden = false;
  }

  function found(text) {
    stop();
    input.value = text;
    status.textContent = config.dataset.msgFound;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(window.jsQR); return; }
      var script = document.createElement("script");
      script.src = config.dataset.jsqr;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  function readWithJsQR() {
    if (!video.videoWidth) return null;
    var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    var width = Math.round(video.videoWidth * scale);
    var height = Math.round(video.videoHeight * scale);
    canvas = canvas || document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                           { inversionAttempts: "dontInvert" });
    return code && code.data ? code.data : null;
  }

  function tick() {
    if (!running) return;
    var next = function () { if (running) window.setTimeout(tick, 120); };
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length && codes[0].rawValue) found(codes[0].rawValue);
        else next();
      }).catch(next);
      return;
    }
    var text = null;
    try { text = readWithJsQR(); } catch (ignored) { /* a frame not ready yet */ }
    if (text) found(text);
    else next();
  }

  start.addEventListener("click", function () {
    say("");
    start.hidden = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        panel.hidden = false;
        return video.play();
      })
      .then(nativeDetector)
      .then(function (native) {
        detector = native;
        return native ? null : loadJsQR();
      })
      .then(function () {
        running = true;
        tick();
      })
      .catch(function (reason) {
        stop();
        var denied = reason && (reason.name === "NotAllowedError" || reason.name === "SecurityError");
        say(denied ? config.dataset.msgDenied : config.dataset.msgUnavailable);
      });
  });
  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
})();
