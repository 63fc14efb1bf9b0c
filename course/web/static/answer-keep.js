// Keeps what a learner types into a question (a quiz question, a review card, an
// end-of-quiz form) until the server has it. A login can end while the learner is
// writing (it idled out, or they logged out in another tab), another tab can change the
// same attempt, a save can be refused: the learner is then told to log in or reload.
// This fills in again, from the tab's sessionStorage (per tab, gone when the tab
// closes), the fields this tab changed that the page does not show as typed, and says
// so; nothing is sent without the learner.
//
// Entries are per account (the page names the logged-in account): a page of another
// account removes them, so the next person on a shared computer finds nothing; an
// explicit logout clears the site's storage anyway (Clear-Site-Data). An entry is
// dropped when the page shows that question's feedback or the attempt's results, when
// the form's own save succeeded (drafts.js sends "course:saved"), or when a page that is
// not a refused form sent back (data-echo) already shows every kept value. Values go back through the fields' own properties,
// never as HTML.
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
      if (el.name && el.name !== "csrf_token" && el.type !== "submit" && el.type !== "hidden" &&
          el.type !== "button") {
        list.push(el);
      }
    }
    return list;
  }

  function valuesOf(form, name) {
    var values = [];
    fields(form).forEach(function (el) {
      if (el.name !== name) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      values.push(el.value);
    });
    return values;
  }

  function same(a, b) {
    return a.length === b.length && a.every(function (v, i) { return v === b[i]; });
  }

  function put(form, name, kept) {
    fields(form).forEach(function (el) {
      if (el.name !== name) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = kept.indexOf(el.value) !== -1;
      } else {
        el.value = typeof kept[0] === "string" ? kept[0] : "";
      }
    });
  }

  function read(store, key) {
    try {
      var kept = JSON.parse(store.getItem(key) || "null");
      if (kept && typeof kept === "object" && kept.values && typeof kept.values === "object" &&
          Date.now() - kept.at < KEEP_MS) {
        return kept;
      }
    } catch (e) { /* unreadable: dropped below */ }
    store.removeItem(key);
    return null;
  }

  function forgetOthers(store, user) {
    var mine = PREFIX + user + ":";
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0 && key.indexOf(mine) !== 0) {
        store.removeItem(key);
      }
    }
  }

  function start() {
    var store = storage();
    var user = document.body.dataset.user;
    if (!store || !user) { return; }  // nobody logged in: a login page keeps entries
    forgetOthers(store, user);
    var base = PREFIX + user + ":";
    document.querySelectorAll("[data-answered-key]").forEach(function (done) {
      store.removeItem(base + done.dataset.answeredKey);
    });
    var form = document.querySelector("form[data-keep-key]");
    if (!form) { return; }
    var key = base + form.dataset.keepKey;
    var kept = read(store, key);
    var changed = kept ? kept.values : {};
    var filled = false;
    Object.keys(changed).forEach(function (name) {
      var values = changed[name];
      if (!Array.isArray(values) || same(valuesOf(form, name), values)) { return; }
      put(form, name, values);
      filled = true;
    });
    if (filled) {
      var note = document.getElementById("answer-kept");
      if (note) { note.hidden = false; }
    } else if (kept && !("echo" in form.dataset)) {
      // The page shows all of it, and it is not a refused form sent back (data-echo):
      // the server has it.
      store.removeItem(key);
      changed = {};
    }
    function keep(event) {
      var name = event.target && event.target.name;
      if (!name || name === "csrf_token") { return; }
      changed[name] = valuesOf(form, name);
      try {
        store.setItem(key, JSON.stringify({ at: Date.now(), values: changed }));
      } catch (e) { /* storage full or refused: the form still works */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("course:saved", function () {
      changed = {};
      store.removeItem(key);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
