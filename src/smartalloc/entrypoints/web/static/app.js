// SmartAlloc operator UI: drag and drop onto the file inputs, a busy state while the run form
// uploads, the widths of bars, and the live progress of a run (polling its status). Everything
// but the bars' lengths works without it.
(function () {
  "use strict";

  // Bar widths come as data, not as style attributes, which the Content-Security-Policy
  // blocks: a bar's data-width, or a progress bar's aria-valuenow, in percent.
  function widen(el, value) {
    el.style.width = Math.max(0, Math.min(100, parseFloat(value) || 0)) + "%";
  }
  document.querySelectorAll("[data-width]").forEach(function (el) { widen(el, el.dataset.width); });
  document.querySelectorAll(".progress[aria-valuenow] > .fill").forEach(function (fill) {
    widen(fill, fill.parentNode.getAttribute("aria-valuenow"));
  });

  function fileName(input, zone) {
    var out = zone.querySelector(".filename");
    if (out) out.textContent = input.files && input.files.length ? input.files[0].name : "";
  }

  document.querySelectorAll(".dropzone").forEach(function (zone) {
    var input = zone.querySelector('input[type="file"]');
    if (!input) return;
    input.addEventListener("change", function () { fileName(input, zone); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "dragend"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        fileName(input, zone);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });

  var runForm = document.getElementById("run-form");
  if (runForm) {
    runForm.addEventListener("submit", function () {
      var busy = document.getElementById("run-busy");
      var button = document.getElementById("run-submit");
      if (busy) busy.hidden = false;
      // Disable after the browser has taken the form, so a double click starts one run.
      if (button) setTimeout(function () { button.disabled = true; }, 0);
    });
  }

  var job = document.getElementById("job");
  if (job && (job.dataset.state === "queued" || job.dataset.state === "running")) {
    var labels = JSON.parse(job.dataset.stageLabels || "{}");
    var fa = document.documentElement.lang === "fa";
    var digits = function (text) {
      return fa ? String(text).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : String(text);
    };
    var bar = document.getElementById("job-progress");
    var problem = document.getElementById("job-poll-error");
    var poll = function () {
      fetch(job.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          if (response.status === 429) {
            var wait = parseInt(response.headers.get("Retry-After") || "5", 10);
            problem.textContent = job.dataset.pollError;
            problem.hidden = false;
            setTimeout(poll, Math.max(1, wait) * 1000);
            return null;
          }
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (body) {
          if (!body) return;
          problem.hidden = true;
          var pct = Math.round(body.progress_percent || 0);
          bar.setAttribute("aria-valuenow", String(pct));
          bar.setAttribute("aria-valuetext", pct + "%");
          bar.querySelector(".fill").style.width = pct + "%";
          document.getElementById("job-percent").textContent = digits(pct) + (fa ? "٪" : "%");
          var stage = body.stage || "queued";
          document.getElementById("job-stage").textContent = labels[stage] || stage;
          // A running run's sub-step with its counts, and the time since it started.
          var step = document.getElementById("job-step");
          if (step) { step.textContent = body.step_text || ""; step.hidden = !body.step_text; }
          var elapsed = document.getElementById("job-elapsed");
          if (elapsed) {
            elapsed.textContent = body.elapsed_text || "";
            document.getElementById("job-elapsed-box").hidden = !body.elapsed_text;
          }
          var seen = true;
          document.querySelectorAll(".stepper li").forEach(function (li) {
            li.classList.toggle("done", seen);
            if (li.dataset.stage === stage) seen = false;
          });
          if (stage === "queued") document.querySelectorAll(".stepper li").forEach(function (li) { li.classList.remove("done"); });
          if (body.state === "succeeded" || body.state === "failed") {
            window.location.reload();
          } else {
            setTimeout(poll, 1000);   // well under the API's per-IP rate limit
          }
        })
        .catch(function () {
          problem.textContent = job.dataset.pollError;
          problem.hidden = false;
          setTimeout(poll, 2000);
        });
    };
    setTimeout(poll, 300);
  }
}());
