// The authoring editor without JavaScript is a textarea as tall as the file, beside
// its line numbers. This keeps both in step while typing: the textarea grows with its
// text and the gutter gets a number for every line. (No inline script: CSP-clean.)
(function () {
  "use strict";
  var area = document.querySelector(".editor textarea");
  var gutter = document.querySelector(".editor .gutter");
  if (!area || !gutter) { return; }
  function refresh() {
    var count = area.value.split("\n").length;
    area.rows = count + 2;
    var shown = gutter.children.length;
    for (var n = shown + 1; n <= count; n += 1) {
      var span = document.createElement("span");
      span.textContent = String(n);
      gutter.appendChild(span);
      gutter.appendChild(document.createTextNode("\n"));
    }
    while (gutter.children.length > count) {
      var last = gutter.lastElementChild;
      if (last.nextSibling) { gutter.removeChild(last.nextSibling); }
      gutter.removeChild(last);
    }
  }
  area.addEventListener("input", refresh);
  refresh();
}());
