/* The main navigation when it is expanded but the row is too narrow for every link (the
 * English labels are long; a supervisor has a dozen): the last links move, one by one,
 * into the "More" menu at the end of the list until the row fits, and come back when the
 * window widens. Collapsed (the phone's menu button), every link is in the list. Without
 * this script the links wrap onto a second row of the bar (app.css), never under the page. */
(function () {
  "use strict";
  var nav = document.querySelector(".pd-navbar");
  var list = nav && nav.querySelector(".navbar-nav");
  var more = list && list.querySelector(".pd-nav-more");
  if (!more) return;
  var menu = more.querySelector(".dropdown-menu");
  var toggle = more.querySelector(".dropdown-toggle");
  var toggler = nav.querySelector(".navbar-toggler");
  var row = nav.querySelector(".container-xxl");
  var items = Array.prototype.filter.call(list.children, function (li) { return li !== more; });
  document.documentElement.classList.add("pd-nav-measured");

  function link(li) { return li.querySelector("a"); }

  function restore() {
    items.forEach(function (li) {
      link(li).classList.replace("dropdown-item", "nav-link");
      list.insertBefore(li, more);
    });
    more.hidden = true;
    toggle.classList.remove("active");
  }

  // The bar's last box (inbox, language, the user's menu) past the row's inner edge.
  function overflows() {
    var tools = nav.querySelector(".navbar-collapse > :last-child");
    var edge = row.getBoundingClientRect().right - parseFloat(window.getComputedStyle(row).paddingRight);
    return row.scrollWidth > row.clientWidth + 1 || (tools && tools.getBoundingClientRect().right > edge + 0.5);
  }

  function layout() {
    restore();
    if (window.getComputedStyle(toggler).display !== "none") return;
    if (!overflows()) return;
    more.hidden = false;
    for (var i = items.length - 1; i > 0 && overflows(); i--) {
      link(items[i]).classList.replace("nav-link", "dropdown-item");
      menu.insertBefore(items[i], menu.firstChild);
      if (link(items[i]).classList.contains("active")) toggle.classList.add("active");
    }
  }

  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; layout(); });
  });
  layout();
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(layout);
})();
