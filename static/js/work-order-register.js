/* Used by templates/repairs/desk/register.html. */
/* Only the chosen estate's services in the price list; open it for a paid service. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var estate = form.elements.namedItem("estate");
  var kind = form.elements.namedItem("kind");
  var select = document.getElementById("id_price_item");
  var table = document.getElementById("price-table");
  function filter() {
    var id = estate.value;
    select.querySelectorAll("option[data-estate]").forEach(function (option) {
      option.hidden = option.disabled = !!id && option.dataset.estate !== id;
      if (option.hidden && option.selected) select.value = "";
    });
    table.querySelectorAll("tr[data-estate]").forEach(function (row) {
      row.hidden = !!id && row.dataset.estate !== id;
    });
  }
  estate.addEventListener("change", filter);
  kind.addEventListener("change", function () { if (kind.value === "special_service") table.open = true; });
  filter();
})();

/* "Accept and dispatch now": only the chosen estate's workers, those with the trade first
   marked; the worker fields and the button's words follow the choice. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  var workers = document.getElementById("id_worker");
  if (!form || !workers) return;
  var estate = form.elements.namedItem("estate");
  var fields = document.getElementById("dispatch-fields");
  var button = document.getElementById("register-submit");
  function filter() {
    var id = estate.value;
    workers.querySelectorAll("option[data-estate]").forEach(function (option) {
      option.hidden = option.disabled = !!id && option.dataset.estate !== id;
      if (option.hidden && option.selected) workers.value = "";
    });
  }
  function follow() {
    var chosen = form.querySelector("input[name=next_step]:checked");
    var now = !!chosen && chosen.value === "dispatch";
    fields.hidden = !now;
    button.querySelector("span").textContent = now ? button.dataset.labelDispatch : button.dataset.labelRegister;
  }
  estate.addEventListener("change", filter);
  form.querySelectorAll("input[name=next_step]").forEach(function (radio) { radio.addEventListener("change", follow); });
  filter();
  follow();
})();
