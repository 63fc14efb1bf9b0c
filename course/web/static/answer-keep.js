// Keeps what a learner types into a question until its answer is stored. A login can end
// while the learner is writing (it idled out, or they logged out in another tab); the
// server then refuses the answer and sends them to the login page, which brings them back
// to the same question. This fills the form in again from the tab's sessionStorage (per
// tab, gone when the tab closes) and says so; nothing is sent without the learner.
// The entry is dropped once the page shows that question's feedback. Values go back
// through the fields' own properties (never as HTML).
(function () {
  "use strict";
  var PREFIX = "course-answer:";
  var KEEP_MS = 24 * 60 * 60 * 1000;

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function fields(form) {
    var list = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name && el.name !== "csrf_token" && el.type !== "submit" && el.type !== "hidden") {
        list.push(el);
      }
    }
    return list;
  }

  function read(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      (values[el.name] = values[el.name] || []).push(el.value);
    });
    return values;
  }

  function empty(form) {
    return fields(form).every(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { return !el.checked; }
      return el.value === "";
    });
  }

  function fill(form, values) {
    var filled = false;
    fields(form).forEach(function (el) {
      var kept = values[el.name];
      if (!Array.isArray(kept)) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = kept.indexOf(el.value) !== -1;
        filled = filled || el.checked;
      } else if (typeof kept[0] === "string" && kept[0] !== "") {
        el.value = kept[0];
        filled = el.value !== "" || filled;
      }
    });
    return filled;
  }

  function start() {
    var store = storage();
    if (!store) { return; }
    var done = document.querySelector("[data-answered-key]");
    if (done) { store.removeItem(PREFIX + done.dataset.answeredKey); }
    var form = document.querySelector("form[data-keep-key]");
    if (!form) { return; }
    var key = PREFIX + form.dataset.keepKey;
    var kept = null;
    try { kept = JSON.parse(store.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && typeof kept === "object" && kept.values && Date.now() - kept.at < KEEP_MS &&
        empty(form) && fill(form, kept.values)) {
      var note = document.getElementById("answer-kept");
      if (note) { note.hidden = false; }
    }
    function keep() {
      try {
        store.setItem(key, JSON.stringify({ at: Date.now(), values: read(form) }));
      } catch (e) { /* storage full or refused: the form still works */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
