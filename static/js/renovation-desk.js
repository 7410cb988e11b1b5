/* Used by templates/renovation/detail.html. */
/* The signature pads sit in closed <details> (one per party and paper): a pad set up
 * while hidden has no size, so when its box opens it is told to measure itself. */
(function () {
  "use strict";
  document.querySelectorAll("details").forEach(function (box) {
    if (!box.querySelector("[data-signature-pad]")) return;
    box.addEventListener("toggle", function () {
      if (box.open) window.dispatchEvent(new Event("resize"));
    });
  });
})();
