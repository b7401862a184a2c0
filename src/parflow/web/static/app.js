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

  function update() {
    var sum = 0;
    var count = 0;
    form.querySelectorAll("input.score-input").forEach(function (input) {
      var value = parse(input.value);
      var max = Number(input.getAttribute("data-max"));
      var bad = value !== null && (isNaN(value) || value < 0 || value > max);
      input.classList.toggle("out-of-range", bad);
      if (value !== null && !bad) { sum += value; count += 1; }
    });
    total.textContent = sum.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    var scored = document.getElementById("leaves-scored");
    if (scored) { scored.textContent = String(count); }
  }

  form.addEventListener("input", update);
})();
