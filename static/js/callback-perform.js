/* Used by templates/callbacks/detail.html. */
/* Show the owner's-words box for a phone call and the signature pad face to face. */
(function () {
  "use strict";
  var form = document.getElementById("perform-form");
  if (!form) return;
  function update() {
    var checked = form.querySelector('input[name="method"]:checked');
    var method = checked ? checked.value : "";
    form.querySelectorAll("[data-when-method]").forEach(function (box) {
      var wasHidden = box.hidden;
      box.hidden = box.dataset.whenMethod !== method;
      // A pad set up while hidden has no size: let it measure itself now.
      if (wasHidden && !box.hidden) window.dispatchEvent(new Event("resize"));
    });
    var unhappy = form.querySelector('input[name="satisfaction"]:checked');
    form.querySelectorAll("[data-when-unsatisfied]").forEach(function (el) {
      el.hidden = !(unhappy && unhappy.value === "unsatisfied");
    });
  }
  form.addEventListener("change", update);
  update();
})();
