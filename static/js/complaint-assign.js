/* Used by templates/complaints/detail.html. */
/* The assignment form lists the chosen department's people (the server drew them for the
   department it proposed); when the department changes, the list follows, from the
   estate's departments and their people in #assign-people. */
(function () {
  "use strict";
  var data = document.getElementById("assign-people");
  if (!data) return;
  var people = JSON.parse(data.textContent);
  document.querySelectorAll("form[data-assign]").forEach(function (form) {
    var department = form.elements.namedItem("department");
    var assignee = form.elements.namedItem("assignee");
    if (!department || !assignee) return;
    var blank = assignee.options.length && assignee.options[0].value === "" ? assignee.options[0].text : "";
    department.addEventListener("change", function () {
      var chosen = assignee.value;
      assignee.replaceChildren(new Option(blank, ""));
      (people[department.value] || []).forEach(function (person) {
        var id = String(person[0]);
        assignee.add(new Option(person[1], id, false, id === chosen));
      });
    });
  });
})();
