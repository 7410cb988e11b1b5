/* Used by templates/repairs/portal/form.html. */
// Show only the price list of the chosen unit's estate; the server checks it anyway.
(function () {
  const estates = JSON.parse(document.getElementById("unit-estates").textContent);
  const unit = document.getElementById("id_unit");
  if (!unit) return;
  function filter() {
    const estate = String(estates[unit.value]);
    document.querySelectorAll("#price-items [data-estate]").forEach(function (card) {
      const shown = card.dataset.estate === estate;
      card.hidden = !shown;
      if (!shown) card.querySelector("input").checked = false;
    });
  }
  unit.addEventListener("change", filter);
  filter();
})();
