/* Used by templates/repairs/desk/register.html. */
/* Only the chosen estate's services in the price list and its workers in "accept and
   dispatch now"; open the price list for a paid service; the worker fields and the
   button's words follow the choice to dispatch now or register only. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var estate = form.elements.namedItem("estate");
  var kind = form.elements.namedItem("kind");
  var table = document.getElementById("price-table");
  var selects = [document.getElementById("id_price_item"), document.getElementById("id_worker")].filter(Boolean);
  var fields = document.getElementById("dispatch-fields");
  var button = document.getElementById("register-submit");
  function filter() {
    var id = estate.value;
    selects.forEach(function (select) {
      select.querySelectorAll("option[data-estate]").forEach(function (option) {
        option.hidden = option.disabled = !!id && option.dataset.estate !== id;
        if (option.hidden && option.selected) select.value = "";
      });
    });
    table.querySelectorAll("tr[data-estate]").forEach(function (row) {
      row.hidden = !!id && row.dataset.estate !== id;
    });
  }
  function follow() {
    if (!fields) return;
    var chosen = form.querySelector("input[name=next_step]:checked");
    var now = !!chosen && chosen.value === "dispatch";
    fields.hidden = !now;
    button.querySelector("span").textContent = now ? button.dataset.labelDispatch : button.dataset.labelRegister;
  }
  estate.addEventListener("change", filter);
  kind.addEventListener("change", function () { if (kind.value === "special_service") table.open = true; });
  form.querySelectorAll("input[name=next_step]").forEach(function (radio) { radio.addEventListener("change", follow); });
  filter();
  follow();
})();
