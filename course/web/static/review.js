// Review page, after the feedback: keys 1-4 choose Again / Hard / Good / Easy, and a
// rating change is posted in the background (with the form's CSRF token) so the
// feedback stays on screen. Without JavaScript the buttons post the same form.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("rate-form");
    if (!form) { return; }
    var status = document.getElementById("rate-status");
    // The keys work only with this script: say so only when it runs.
    document.querySelectorAll(".js-keys").forEach(function (hint) { hint.hidden = false; });
    var buttons = form.querySelectorAll("button[name=rating]");
    function mark(value) {
      buttons.forEach(function (b) {
        var on = b.value === String(value);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.classList.toggle("secondary", !on);
      });
    }
    function send(value) {
      var data = new FormData(form);
      data.set("rating", value);
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return [response.ok, body]; });
      }).then(function (result) {
        var ok = result[0], body = result[1];
        if (!ok) { status.textContent = body.error || "Not changed: reload the page."; return; }
        mark(body.rating);
        status.textContent = "Rated " + body.label + ": you will see this question again " +
          body.due + "." + (body.leech ? " It is set aside: re-read its section first." : "");
      }).catch(function () {
        status.textContent = "Not changed: check your connection.";
      });
    }
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.value) { return; }
      event.preventDefault();
      send(button.value);
    });
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var target = event.target;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
      if (event.key >= "1" && event.key <= "4") {
        event.preventDefault();
        send(event.key);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
