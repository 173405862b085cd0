// The jobhooks inspector: expand rows, filter them, and (live page only) fetch new rows and timelines.
// Plain script, no build step, nothing from the network but the server that served it.
(function () {
  "use strict";
  var body = document.body;
  var vendorFilter = document.getElementById("f-vendor");
  var jobFilter = document.getElementById("f-job");
  var verdictFilter = document.getElementById("f-verdict");

  function rows() { return document.querySelectorAll("tr.row"); }

  function refreshVendors() {
    var known = {};
    Array.prototype.forEach.call(vendorFilter.options, function (o) { known[o.value] = true; });
    Array.prototype.forEach.call(rows(), function (row) {
      var vendor = row.dataset.vendor;
      if (vendor && !known[vendor]) {
        known[vendor] = true;
        var option = document.createElement("option");
        option.value = option.textContent = vendor;
        vendorFilter.appendChild(option);
      }
    });
  }

  function applyFilters() {
    var vendor = vendorFilter.value, job = jobFilter.value.trim(), verdict = verdictFilter.value;
    var shown = 0, all = rows();
    Array.prototype.forEach.call(all, function (row) {
      var visible = (!vendor || row.dataset.vendor === vendor) &&
        (!job || row.dataset.job.indexOf(job) >= 0) && (!verdict || row.dataset.verdict === verdict);
      row.hidden = !visible;
      var details = row.nextElementSibling;
      if (!visible && details) { details.hidden = true; }
      if (visible) { shown += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("figure.job"), function (figure) {
      var svg = figure.querySelector("svg");
      figure.hidden = (vendor && svg.dataset.vendor !== vendor) || (job && svg.dataset.job.indexOf(job) < 0);
    });
    document.getElementById("count").textContent = shown + " of " + all.length + " deliveries";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.replay");
    if (button) {
      var note = button.nextElementSibling;
      note.textContent = "sending...";
      fetch(body.dataset.api + "replay/" + button.dataset.id, { method: "POST" })
        .then(function (answer) { return answer.json(); })
        .then(function (result) { note.textContent = result.message; note.className = "replayed " + (result.ok ? "ok" : "failed"); })
        .catch(function (error) { note.textContent = String(error); note.className = "replayed failed"; });
      return;
    }
    var row = event.target.closest("tr.row");
    if (row && row.nextElementSibling) { row.nextElementSibling.hidden = !row.nextElementSibling.hidden; row.classList.toggle("open"); }
  });
  [vendorFilter, jobFilter, verdictFilter].forEach(function (input) {
    input.addEventListener("input", applyFilters);
    input.addEventListener("change", applyFilters);
  });

  function poll() {
    fetch(body.dataset.api + "rows?after=" + body.dataset.after, { cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (update) {
        body.dataset.after = update.after;
        if (update.rows) {
          document.querySelector("section.deliveries tbody").insertAdjacentHTML("beforeend", update.rows);
        }
        if (update.timelines !== null) {
          document.querySelector("section.deliveries .timelines").innerHTML = update.timelines;
        }
        refreshVendors();
        applyFilters();
      })
      .catch(function () { /* the server is gone or busy: try again */ })
      .then(function () { window.setTimeout(poll, 500); });
  }

  refreshVendors();
  applyFilters();
  if (body.dataset.api) { poll(); }
})();
