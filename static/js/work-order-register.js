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
