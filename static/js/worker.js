/* The worker's phone pages (templates/repairs/worker/). Two small helps, both optional:
 * a form marked data-once is sent once (a second tap on a slow network would take or
 * complete twice); the verdict form hides the signature pad when the customer is not
 * satisfied, since only a satisfied customer signs. After a refused step the first
 * field in error is scrolled into view: on a phone it is usually below the fold. */
(function () {
  "use strict";

  function buttonsOf(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll("button[type=submit]"));
    var outside = form.id ? Array.prototype.slice.call(document.querySelectorAll('button[form="' + form.id + '"]')) : [];
    return inside.concat(outside);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // Disabled after the submit has collected the clicked button's name and value.
    window.setTimeout(function () {
      buttonsOf(form).forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  // Back from the browser cache (bfcache): the buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
      delete form.dataset.sent;
      buttonsOf(form).forEach(function (button) { button.disabled = false; });
    });
  });

  var verdict = document.querySelector("form[data-verdict]");
  if (verdict) {
    var onlySatisfied = verdict.querySelectorAll("[data-when-satisfied]");
    var onlyUnsatisfied = verdict.querySelectorAll("[data-when-unsatisfied]");
    var comment = verdict.querySelector("textarea[name=comment]");
    var sync = function () {
      var no = verdict.querySelector("input[name=satisfied][value=no]");
      var unhappy = !!(no && no.checked);
      Array.prototype.forEach.call(onlySatisfied, function (el) { el.hidden = unhappy; });
      Array.prototype.forEach.call(onlyUnsatisfied, function (el) { el.hidden = !unhappy; });
      if (comment) comment.required = unhappy;
      // The pad may have been hidden while laid out: let it measure itself again.
      if (!unhappy) window.dispatchEvent(new Event("resize"));
    };
    verdict.addEventListener("change", function (event) {
      if (event.target.name === "satisfied") sync();
    });
    sync();
  }

  var firstError = document.querySelector(".pd-w .is-invalid, .pd-w .pd-sig-invalid, .pd-w [data-field-error]");
  if (firstError && firstError.scrollIntoView) firstError.scrollIntoView({ block: "center" });
})();
