// Saves an end-of-quiz form as the learner goes: every change is posted (with the
// form's CSRF token) to the save URL. Without JavaScript the "Save answers" button
// does the same. Saving never grades and the reply says only how many are saved.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("attempt-form");
    if (!form || !form.dataset.saveUrl) { return; }
    // Shown after a refused submit (a POST): point the address bar back at the attempt,
    // so a reload fetches the saved answers instead of re-posting the older form.
    if (form.dataset.pageUrl && window.location.pathname !== form.dataset.pageUrl) {
      window.history.replaceState(null, "", form.dataset.pageUrl);
    }
    var status = document.getElementById("save-status");
    var timer = null;
    var pending = false;
    function show(text) { if (status) { status.textContent = text; } }
    function save() {
      timer = null;
      if (pending) { timer = setTimeout(save, 300); return; }
      pending = true;
      fetch(form.dataset.saveUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        show(response.ok ? "Saved." : "Not saved: reload the page.");
      }).catch(function () {
        show("Not saved: check your connection.");
      }).then(function () { pending = false; });
    }
    function later() {
      show("Saving…");
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 600);
    }
    form.addEventListener("change", later);
    form.addEventListener("input", later);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
