// Saves an end-of-quiz form as the learner goes: every change is posted (with the
// form's CSRF token) to the save URL. Without JavaScript the "Save answers" button
// does the same. Saving never grades and the reply says only how many are saved.
// The form carries the saved answers' revision; the server refuses (409) a save from a
// form whose revision is stale (another tab saved since), and each successful save
// replies with the new revision, which is put back into the form for the next save.
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
    var revision = form.querySelector("input[name=revision]");
    var stale = false;  // refused once: every later save would be refused too
    var timer = null;
    var pending = false;
    var after = null;  // a submit held back until the save in flight is answered
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
        if (response.status === 409) {
          return response.json().then(function (reply) {
            stale = true;
            show(reply.error || "Not saved: reload the page.");
          }, function () { show("Not saved: reload the page."); });
        }
        if (!response.ok) {
          // What was typed is kept in this tab (answer-keep.js) and filled in again.
          return response.json().then(function (reply) {
            // error pages' JSON: a title (error) and what to do (message)
            show("Not saved: " + (reply.message || reply.error || "the server refused it") +
                 " What you typed is kept in this tab.");
          }, function () {
            show(response.status === 400 || response.status === 401
              ? "Not saved: your login may have ended. Log in again in another tab, then " +
                "reload: what you typed is kept in this tab."
              : "Not saved (error " + response.status + "): reload the page; what you " +
                "typed is kept in this tab.");
          });
        }
        return response.json().then(function (reply) {
          if (revision && reply.revision) { revision.value = reply.revision; }
          show("Saved.");
          form.dispatchEvent(new CustomEvent("course:saved"));
        });
      }).catch(function () {
        show("Not saved: check your connection.");
      }).then(function () {
        pending = false;
        if (after) { var next = after; after = null; next(); }
      });
    }
    function later() {
      if (stale) { return; }
      show("Saving…");
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 600);
    }
    // The buttons post the whole form, so a save still waiting is not needed; a save in
    // flight is waited for, so the post carries the revision that save produced (else
    // this tab's own save would make its submit look stale).
    form.addEventListener("submit", function (event) {
      if (timer) { clearTimeout(timer); timer = null; }
      if (!pending) { return; }
      event.preventDefault();
      var submitter = event.submitter || null;
      after = function () {
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      };
    });
    form.addEventListener("change", later);
    form.addEventListener("input", later);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
