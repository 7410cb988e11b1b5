/* "My downloads": while a file is being written, follow its progress every two seconds
 * and reload the page when it is ready or failed (the page then offers the file). */
(function () {
  "use strict";
  var card = document.getElementById("downloads");
  var url = card && card.getAttribute("data-progress-url");
  if (!url) return;
  function follow() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var finished = false;
        data.downloads.forEach(function (d) {
          var row = card.querySelector('[data-download="' + d.id + '"]');
          if (!row) return;
          if (row.getAttribute("data-status") !== d.status && (d.status === "ready" || d.status === "failed")) {
            finished = true;
          }
          var bar = row.querySelector(".progress-bar");
          if (bar) {
            bar.style.width = d.percent + "%";
            bar.textContent = d.percent + "%";
            bar.parentElement.setAttribute("aria-valuenow", d.percent);
          }
          var status = row.querySelector('[data-role="status"]');
          if (status && d.label) status.textContent = d.label;
          var rows = row.querySelector('[data-role="rows"]');
          if (rows && d.rows_total) {
            rows.textContent = rows.getAttribute("data-template") ?
              rows.getAttribute("data-template").replace("{done}", d.rows_done).replace("{total}", d.rows_total) :
              d.rows_done + " / " + d.rows_total;
          }
        });
        if (finished) { window.location.reload(); } else { window.setTimeout(follow, 2000); }
      })
      .catch(function () { window.setTimeout(follow, 5000); });
  }
  window.setTimeout(follow, 1000);
})();
