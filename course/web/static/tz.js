// Progressive enhancement: pre-fill the time zone from the browser. Without
// JavaScript the field keeps its value (UTC for a new account).
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var fields = document.querySelectorAll('[data-browser-timezone]');
  for (var i = 0; i < fields.length; i++) {
    if (fields[i].value === '' || fields[i].value === 'UTC') { fields[i].value = zone; }
  }
})();
