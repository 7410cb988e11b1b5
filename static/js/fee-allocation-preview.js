/* Used by templates/fees/desk/unit_account.html. */
/* The allocation preview follows the amount as it is typed: the same oldest-first
   rule as the server (in cents, so no rounding drift). Without it, the server's
   preview for the prefilled amount stays. */
(function () {
  "use strict";
  var amount = document.getElementById("id_amount");
  var list = document.getElementById("allocation-list");
  var texts = document.getElementById("preview-i18n");
  var data = document.getElementById("owing-bills");
  if (!amount || !list || !texts || !data) return;
  var t = texts.dataset;
  var bills = JSON.parse(data.textContent);
  function cents(value) {
    var match = /^\s*(\d+)(?:\.(\d{0,2}))?\s*$/.exec(value || "");
    if (!match) return null;
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }
  function yuan(c) {
    var s = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return s + "." + String(c % 100).padStart(2, "0");
  }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (m, key) { return key in values ? values[key] : m; });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function render() {
    var left = cents(amount.value);
    var owed = cents(t.owed);
    list.replaceChildren();
    var message = left === null || left <= 0 || left > owed;
    list.classList.toggle("ps-3", !message);
    list.classList.toggle("list-unstyled", message);
    if (left === null || left <= 0) {
      list.appendChild(el("li", null, t.empty));
      return;
    }
    if (left > owed) {
      list.appendChild(el("li", "text-danger fw-semibold", fmt(t.over, { owed: yuan(owed) })));
      return;
    }
    bills.forEach(function (bill) {
      var owing = cents(bill.owing);
      var share = Math.min(left, owing);
      if (share <= 0) return;
      left -= share;
      var item = el("li");
      item.appendChild(document.createTextNode(bill.month + " "));
      item.appendChild(el("span", "text-body-secondary", bill.number));
      item.appendChild(document.createTextNode(": "));
      item.appendChild(el("strong", null, "¥" + yuan(share)));
      item.appendChild(document.createTextNode(" "));
      if (share === owing) item.appendChild(el("span", "text-success", t.settles));
      else item.appendChild(el("span", "text-warning-emphasis", fmt(t.part, { left: yuan(owing - share) })));
      list.appendChild(item);
    });
  }
  amount.addEventListener("input", render);
})();
