// parflow: small, optional enhancements. Every page works without this file.
// The self-assessment form's running total follows what is typed; saving computes it on the
// server again, so nothing depends on this.
(function () {
  "use strict";
  var total = document.getElementById("running-total");
  var form = document.getElementById("self-assessment");
  if (!total || !form) { return; }
  var locale = total.getAttribute("data-lang") === "en" ? "en-US" : "vi-VN";

  function parse(text) {
    var value = text.trim();
    if (!value) { return null; }
    if (value.split(",").length === 2 && value.indexOf(".") < 0) { value = value.replace(",", "."); }
    if (!/^[0-9.+-]+$/.test(value)) { return NaN; }
    return Number(value);
  }

  function points(value) {
    return value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function update() {
    var sum = 0;
    var count = 0;
    var fields = {};
    form.querySelectorAll("input.score-input").forEach(function (input) {
      var value = parse(input.value);
      var max = Number(input.getAttribute("data-max"));
      var bad = value !== null && (isNaN(value) || value < 0 || value > max);
      input.classList.toggle("out-of-range", bad);
      var field = input.getAttribute("data-field");
      if (value !== null && !bad) {
        sum += value; count += 1;
        fields[field] = (fields[field] || 0) + value;
      }
    });
    total.textContent = points(sum);
    var scored = document.getElementById("leaves-scored");
    if (scored) { scored.textContent = String(count); }
    form.querySelectorAll(".subtotal[data-field]").forEach(function (box) {
      var field = box.getAttribute("data-field");
      var shown = box.querySelector(".subtotal-value");
      if (shown && field in fields) { shown.textContent = points(fields[field]); }
    });
  }

  form.addEventListener("input", update);
})();

// Leaving a score form with unsaved changes warns; every button of such a form saves first, so
// pressing one does not.
(function () {
  "use strict";
  var dirty = false;
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    event.returnValue = "";
  });
})();
