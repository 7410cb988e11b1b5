/* Opening an incident (templates/incidents/form.html): the callers' script follows the
 * kind and the estate chosen, from the estate's plans (#incident-scripts), until the desk
 * writes its own. Without this script an empty script takes the plan's on the server. */
(function () {
  "use strict";

  var form = document.getElementById("incident-form");
  var data = document.getElementById("incident-scripts");
  if (!form || !data) return;
  var scripts = JSON.parse(data.textContent);
  var kind = form.elements.namedItem("kind");
  var estate = form.elements.namedItem("estate");
  var script = form.elements.namedItem("script");
  if (!kind || !estate || !script) return;

  var filled = "";   // what this script put there: replaced, unlike the desk's own words

  function fill() {
    var plans = scripts[estate.value] || scripts[Object.keys(scripts)[0]] || { scripts: {} };
    var text = plans.scripts[kind.value] || "";
    if (script.value === "" || script.value === filled) {
      script.value = text;
      script.lang = plans.language || "";   // the estate's language, whatever the reader's
      filled = text;
    }
  }

  kind.addEventListener("change", fill);
  estate.addEventListener("change", fill);
  fill();
})();
