/* Complaint intake (templates/complaints/intake.html): live room lookup and the owner
 * panel. Every text comes from the data-* attributes of #intake-i18n, translated by
 * the template; "%(name)s" placeholders are filled in here. Without this script the
 * form is a plain form: estate + room number are checked on the server. */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  var texts = document.getElementById("intake-i18n");
  if (!form || !texts || !window.fetch) return;

  var t = texts.dataset;
  var lookupUrl = form.dataset.lookupUrl;
  var estate = form.elements.namedItem("estate");
  var room = form.elements.namedItem("unit_number");
  var menu = document.getElementById("unit-suggestions");
  var status = document.getElementById("lookup-status");
  var panel = document.getElementById("owner-panel");
  var promiseLine = document.getElementById("promise-line");
  if (!estate || !room || !menu || !panel) return;

  var MIN_CHARS = 2;
  var timer = null;
  var sequence = 0;       // answers to older requests are dropped
  var results = [];
  var active = -1;        // highlighted row in the menu
  var chosen = null;      // the unit shown in the owner panel

  function fmt(text, values) {
    return (text || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function icon(name, extra) {
    var i = el("i", "bi " + name + (extra ? " " + extra : ""));
    i.setAttribute("aria-hidden", "true");
    return i;
  }

  function normalize(value) {
    return (value || "").trim().toUpperCase();
  }

  // ---- the dropdown of matching rooms ---------------------------------------

  function placeMenu() {
    menu.style.top = room.offsetTop + room.offsetHeight + 2 + "px";
  }

  function hideMenu() {
    menu.classList.remove("show");
    menu.replaceChildren();
    room.setAttribute("aria-expanded", "false");
    room.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var items = menu.querySelectorAll(".dropdown-item");
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.classList.toggle("active", i === active);
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    room.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function showMenu() {
    menu.replaceChildren();
    results.forEach(function (unit, index) {
      var item = el("button", "dropdown-item d-flex flex-column py-1");
      item.type = "button";
      item.id = "unit-option-" + unit.id;
      item.setAttribute("role", "option");
      item.tabIndex = -1;

      var line = el("span", "d-flex align-items-center gap-2");
      line.appendChild(el("span", "fw-semibold", unit.number));
      line.appendChild(el("span", "small text-body-secondary ms-auto", fmt(t.area, { area: unit.area })));
      item.appendChild(line);

      var who = el("span", "small d-flex flex-wrap align-items-center gap-1");
      if (!unit.owners.length) {
        who.appendChild(el("span", "fst-italic text-body-secondary", "—"));
      }
      unit.owners.forEach(function (owner) {
        who.appendChild(el("span", null, owner.name));
        if (owner.special_needs.length || owner.special_needs_note) {
          var warn = el("span", "badge badge-special");
          warn.appendChild(icon("bi-exclamation-triangle-fill"));
          warn.title = t.specialNeedsShort;
          who.appendChild(warn);
        }
        if (owner.repeat_complainer) {
          var rep = el("span", "badge text-bg-danger");
          rep.appendChild(icon("bi-arrow-repeat"));
          rep.title = fmt(t.repeatNodays, { count: owner.recent_complaints });
          who.appendChild(rep);
        }
      });
      item.appendChild(who);

      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the room field
      });
      item.addEventListener("click", function () {
        choose(unit);
        room.focus();
      });
      item.addEventListener("mousemove", function () {
        if (active !== index) highlight(index);
      });
      menu.appendChild(item);
    });
    placeMenu();
    menu.classList.add("show");
    room.setAttribute("aria-expanded", "true");
    active = -1;
  }

  // ---- the owner panel -------------------------------------------------------

  function renderOwner(owner, windowDays) {
    var box = el("div", "pd-owner");

    var head = el("div", "d-flex flex-wrap align-items-center gap-2");
    head.appendChild(icon("bi-person-fill", "text-body-secondary"));
    var link = el("a", "fw-semibold fs-6", owner.name);
    link.href = owner.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.title = t.ownerLink;
    head.appendChild(link);
    if (owner.repeat_complainer) {
      var repeat = el("span", "badge text-bg-danger pd-repeat-badge");
      repeat.appendChild(icon("bi-arrow-repeat", "me-1"));
      repeat.appendChild(document.createTextNode(
        windowDays
          ? fmt(t.repeat, { count: owner.recent_complaints, days: windowDays })
          : fmt(t.repeatNodays, { count: owner.recent_complaints })
      ));
      head.appendChild(repeat);
    } else if (owner.recent_complaints > 0) {
      head.appendChild(el("span", "small text-body-secondary", fmt(t.recent, { count: owner.recent_complaints })));
    }
    box.appendChild(head);

    if (owner.repeat_complainer) {
      box.appendChild(el("div", "small text-danger-emphasis mt-1", t.repeatHint));
    }

    if (owner.special_needs.length || owner.special_needs_note) {
      var alert = el("div", "alert alert-warning pd-special-alert d-flex gap-2 align-items-start py-2 px-2 mt-2 mb-0");
      alert.setAttribute("role", "alert");
      alert.appendChild(icon("bi-exclamation-triangle-fill", "fs-5 text-warning-emphasis flex-shrink-0"));
      var body = el("div");
      body.appendChild(el("div", "fw-bold small mb-1", t.specialNeeds));
      if (owner.special_needs.length) {
        var badges = el("div", "d-flex flex-wrap gap-1 mb-1");
        owner.special_needs.forEach(function (need) {
          badges.appendChild(el("span", "badge badge-special fs-6 fw-semibold", need));
        });
        body.appendChild(badges);
      }
      if (owner.special_needs_note) {
        body.appendChild(el("div", "pd-prewrap", owner.special_needs_note));
      }
      alert.appendChild(body);
      box.appendChild(alert);
    }
    return box;
  }

  // What to tell the caller about the unit (an open incident's script for its building):
  // an HTML part from the server, shown above the owner.
  var notes = document.getElementById("intake-notes");
  var notesFor = null;

  function showNotes(unit) {
    if (!notes) return;
    var id = unit ? String(unit.id) : null;
    if (id === notesFor) return;
    notesFor = id;
    notes.replaceChildren();
    if (!id) return;
    fetch(notes.dataset.url + "?unit=" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (notesFor !== id) return;
        var part = new DOMParser().parseFromString(html, "text/html");
        notes.replaceChildren.apply(notes, Array.prototype.slice.call(part.body.childNodes));
      })
      .catch(function () { /* the intake works without its notes */ });
  }

  function showPanel(unit) {
    panel.replaceChildren();
    var card = el("div", "card pd-owner-panel");
    var body = el("div", "card-body py-2 px-3");

    var title = el("div", "small text-body-secondary mb-1 d-flex align-items-center gap-1");
    title.appendChild(icon("bi-door-closed"));
    title.appendChild(document.createTextNode(fmt(t.room, { number: unit.number }) + " · " + fmt(t.area, { area: unit.area })));
    body.appendChild(title);

    if (!unit.owners.length) {
      body.appendChild(el("div", "text-warning-emphasis small", t.noOwner));
    }
    unit.owners.forEach(function (owner, index) {
      var box = renderOwner(owner, unit.repeat_window_days);
      if (index > 0) box.classList.add("border-top", "pt-2", "mt-2");
      body.appendChild(box);
      if (owner.repeat_complainer) card.classList.add("pd-owner-panel-repeat");
      if (owner.special_needs.length || owner.special_needs_note) card.classList.add("pd-owner-panel-special");
    });

    card.appendChild(body);
    panel.appendChild(card);
    panel.hidden = false;
    showNotes(unit);
  }

  function clearPanel() {
    chosen = null;
    panel.replaceChildren();
    panel.hidden = true;
    showNotes(null);
    updatePromise();
  }

  function choose(unit) {
    chosen = unit;
    room.value = unit.number;
    hideMenu();
    status.textContent = "";
    showPanel(unit);
    updatePromise();
  }

  // ---- the standard promise for the chosen urgency ----------------------------

  function currentUrgency() {
    var checked = form.querySelector('input[name="urgency"]:checked');
    if (checked) return checked.value;
    var select = form.querySelector('select[name="urgency"]');
    return select ? select.value : "";
  }

  function updatePromise() {
    if (!promiseLine) return;
    var urgency = currentUrgency();
    var hours = chosen && chosen.promise_hours ? chosen.promise_hours[urgency] : null;
    promiseLine.classList.remove("text-danger", "pd-text-urgent");
    if (!hours) {
      promiseLine.textContent = t.promiseUnknown;
      promiseLine.classList.remove("fw-semibold");
      promiseLine.hidden = false;
      return;
    }
    promiseLine.classList.add("fw-semibold");
    promiseLine.textContent = "";
    promiseLine.appendChild(icon("bi-clock", "me-1"));
    promiseLine.appendChild(document.createTextNode(
      Number(hours) === 1 ? t.promiseOne : fmt(t.promiseMany, { hours: hours })
    ));
    if (urgency === "emergency") promiseLine.classList.add("text-danger");
    else if (urgency === "urgent") promiseLine.classList.add("pd-text-urgent");
    promiseLine.hidden = false;
  }

  // ---- talking to the server ---------------------------------------------------

  function lookup(quiet) {
    var query = room.value.trim();
    if (chosen && normalize(chosen.number) !== normalize(query)) clearPanel();
    if (!estate.value || query.length < MIN_CHARS) {
      sequence++;
      hideMenu();
      status.textContent = !estate.value && query.length >= MIN_CHARS ? t.noEstate : "";
      return;
    }
    var mine = ++sequence;
    if (!quiet) status.textContent = t.searching;
    var url = lookupUrl + "?estate=" + encodeURIComponent(estate.value) + "&q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (mine !== sequence) return;
        results = data.results || [];
        status.textContent = "";
        var exact = results.filter(function (unit) { return normalize(unit.number) === normalize(query); })[0];
        if (exact && (quiet || results.length === 1)) {
          choose(exact);
          return;
        }
        if (exact && !chosen) {
          chosen = exact;
          showPanel(exact);
          updatePromise();
        }
        if (!results.length) {
          hideMenu();
          status.textContent = fmt(t.noResults, { q: query });
          return;
        }
        if (!quiet && document.activeElement === room) showMenu();
      })
      .catch(function () {
        if (mine !== sequence) return;
        hideMenu();
        status.textContent = t.failed;
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { lookup(false); }, 200);
  }

  room.setAttribute("role", "combobox");
  room.setAttribute("aria-autocomplete", "list");
  room.setAttribute("aria-controls", menu.id);
  room.setAttribute("aria-expanded", "false");

  room.addEventListener("input", schedule);
  estate.addEventListener("change", function () {
    clearPanel();
    lookup(false);
  });
  room.addEventListener("keydown", function (event) {
    var open = menu.classList.contains("show");
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) highlight(active + 1); else lookup(false);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault(); // pick the room, do not submit the form
      choose(results[active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      hideMenu();
    }
  });
  room.addEventListener("blur", function () {
    window.setTimeout(hideMenu, 150);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "urgency") updatePromise();
  });
  window.addEventListener("resize", function () {
    if (menu.classList.contains("show")) placeMenu();
  });

  // Opened from a unit (?unit=…) or re-shown after an error: fill the panel at once.
  updatePromise();
  if (estate.value && room.value.trim().length >= MIN_CHARS) lookup(true);
})();
