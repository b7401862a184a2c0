// parflow: on a phone the navigation folds behind a "Menu" button. Without this file the
// navigation simply shows in full (wrapped), so every page still works.
(function () {
  "use strict";
  var bar = document.getElementById("topbar");
  var button = document.getElementById("nav-toggle");
  if (!bar || !button) { return; }
  bar.classList.add("foldable");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    bar.classList.toggle("open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("open")) {
      bar.classList.remove("open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
})();
