/* Signature pad for the customer's acceptance on the worker's phone
 * (templates/repairs/worker/_accept_form.html). A white <canvas> the customer signs
 * with a finger, a pen or a mouse (pointer events); after every stroke the picture is
 * put in the hidden input named by data-input as a PNG data URL, which the server
 * checks for ink. The backing store follows devicePixelRatio, so strokes stay sharp,
 * capped so the PNG stays within what the server accepts. No dependencies. */
(function () {
  "use strict";

  var INK = "#111827";
  var PAPER = "#ffffff";
  var MAX_SIDE = 1600;        // backing-store pixels; the server refuses more than 2000

  function SignaturePad(box) {
    this.box = box;
    this.canvas = box.querySelector("canvas");
    this.input = document.getElementById(box.dataset.input);
    this.ctx = this.canvas.getContext("2d");
    this.inked = false;
    this.last = null;
    this.pointer = null;      // one finger at a time: a palm or second finger is ignored
    this.cssWidth = 0;
    this.resize();
    // After a refused form the server sends the drawing back: show it again.
    if (this.input && this.input.value.indexOf("data:image/png;base64,") === 0) this.load(this.input.value);
    this.listen();
  }

  SignaturePad.prototype.resize = function () {
    var rect = this.canvas.getBoundingClientRect();
    if (!rect.width || rect.width === this.cssWidth) return;
    var keep = this.inked ? this.canvas.toDataURL("image/png") : null;
    var ratio = Math.min(window.devicePixelRatio || 1, MAX_SIDE / rect.width, MAX_SIDE / rect.height);
    this.cssWidth = rect.width;
    this.ratio = Math.max(ratio, 1);
    this.canvas.width = Math.round(rect.width * this.ratio);
    this.canvas.height = Math.round(rect.height * this.ratio);
    this.ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    this.blank();
    if (keep) this.load(keep);
  };

  SignaturePad.prototype.blank = function () {
    var ctx = this.ctx;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.restore();
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  };

  SignaturePad.prototype.load = function (url) {
    var self = this;
    var image = new Image();
    image.onload = function () {
      var rect = self.canvas.getBoundingClientRect();
      self.ctx.drawImage(image, 0, 0, rect.width, rect.height);
      self.inked = true;
      self.box.classList.add("pd-sig-inked");
      self.save();
    };
    image.src = url;
  };

  SignaturePad.prototype.clear = function () {
    this.blank();
    this.inked = false;
    this.box.classList.remove("pd-sig-inked");
    if (this.input) this.input.value = "";
  };

  SignaturePad.prototype.save = function () {
    if (this.input) this.input.value = this.inked ? this.canvas.toDataURL("image/png") : "";
  };

  SignaturePad.prototype.point = function (event) {
    var rect = this.canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };

  SignaturePad.prototype.listen = function () {
    var self = this;
    var canvas = this.canvas;

    canvas.addEventListener("pointerdown", function (event) {
      if (self.pointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
      event.preventDefault();
      self.pointer = event.pointerId;
      if (canvas.setPointerCapture) {
        try { canvas.setPointerCapture(event.pointerId); } catch (ignored) { /* synthetic events */ }
      }
      self.last = self.point(event);
      // A tap leaves a dot, as a pen would.
      self.ctx.beginPath();
      self.ctx.arc(self.last.x, self.last.y, self.ctx.lineWidth / 2, 0, Math.PI * 2);
      self.ctx.fill();
      self.inked = true;
      self.box.classList.add("pd-sig-inked");
    });

    canvas.addEventListener("pointermove", function (event) {
      if (event.pointerId !== self.pointer || !self.last) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) events = [event];
      var ctx = self.ctx;
      ctx.beginPath();
      ctx.moveTo(self.last.x, self.last.y);
      for (var i = 0; i < events.length; i++) {
        var p = self.point(events[i]);
        ctx.lineTo(p.x, p.y);
        self.last = p;
      }
      ctx.stroke();
    });

    function end(event) {
      if (event.pointerId !== self.pointer) return;
      self.pointer = null;
      self.last = null;
      self.save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    // Width changes (turning the phone) redraw the signature at the new size; the
    // height-only resizes of a phone's collapsing address bar are ignored.
    window.addEventListener("resize", function () { self.resize(); });
  };

  function start() {
    var boxes = document.querySelectorAll("[data-signature-pad]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (!box.querySelector("canvas") || !box.querySelector("canvas").getContext) continue;
      var pad = new SignaturePad(box);
      box.signaturePad = pad;
      var clears = document.querySelectorAll('[data-signature-clear="' + box.id + '"]');
      for (var j = 0; j < clears.length; j++) {
        clears[j].addEventListener("click", pad.clear.bind(pad));
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
