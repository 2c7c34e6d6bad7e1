// The letter page's PDF status, kept current after approval without a reload: polls
// /letters/<id>/status.json while the render is queued or running, then shows the PDF link.
// Without JavaScript the page shows the same on reload.
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var GIVE_UP_AFTER = 300; // about ten minutes

  function start() {
    var cell = document.getElementById("render-status");
    var url = cell && cell.getAttribute("data-status-url");
    if (!url || !window.fetch) return;
    var polls = 0;

    function show(data) {
      var badge = cell.querySelector(".badge");
      if (badge) {
        badge.className = "badge render-" + data.render_status;
        badge.textContent = data.render_label;
      }
      if (data.render_error && !cell.querySelector(".render-error")) {
        var why = document.createElement("div");
        why.className = "muted render-error";
        why.textContent = data.render_error;
        cell.appendChild(why);
      }
      var link = document.getElementById("pdf-download");
      if (link && data.pdf_url) {
        link.href = data.pdf_url;
        link.hidden = false;
      }
    }

    function poll() {
      polls += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (data) {
          if (!data) return;
          show(data);
          if (!data.final && polls < GIVE_UP_AFTER) window.setTimeout(poll, EVERY_MS);
        })
        .catch(function () {
          if (polls < GIVE_UP_AFTER) window.setTimeout(poll, EVERY_MS * 2);
        });
    }

    window.setTimeout(poll, EVERY_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
