/* Small behaviours any page can ask for with a data attribute, so that no template needs
 * an inline script or event handler (the Content-Security-Policy allows scripts only from
 * our static files):
 *   <button data-print>          prints the page
 *   <select data-autosubmit>     submits its form when the choice changes */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button && !button.disabled) window.print();
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
})();
