// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary so keyboard and screen-reader users hear what went wrong.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }

  // Anonymous concern: the reporter fields are not sent, so disable them while the box is ticked.
  document.querySelectorAll("[data-toggles]").forEach(function (box) {
    var target = document.getElementById(box.getAttribute("data-toggles"));
    if (!target) { return; }
    var sync = function () {
      target.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = box.checked; });
      target.hidden = box.checked;
    };
    box.addEventListener("change", sync);
    sync();
  });

  // Long work (an art. 15 export, a statistics period): say that the server is working, and keep a
  // second click from sending the form again. A download does not leave the page, so it is left out.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-download")) { return; }
      if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
      form.setAttribute("aria-busy", "true");
      var status = document.createElement("p");
      status.className = "busy";
      status.setAttribute("role", "status");
      status.textContent = "Arbejder …";
      (form.querySelector(".actions") || form).appendChild(status);
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll(".busy").forEach(function (el) { el.remove(); });
    });
  });

  // Receipt page: open the case as soon as assessment has created it.
  var waiting = document.querySelector("[data-wait-case]");
  if (waiting) {
    var url = waiting.getAttribute("data-wait-case"), tries = 0;
    var poll = function () {
      tries += 1;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.case_url) { window.location.assign(body.case_url); }
          else if (tries < 60) { setTimeout(poll, 500); }
          else { waiting.textContent = "Sagen er ikke oprettet endnu. Prøv linket nedenfor om lidt."; }
        })
        .catch(function () { if (tries < 60) { setTimeout(poll, 1000); } });
    };
    setTimeout(poll, 300);
  }
})();
