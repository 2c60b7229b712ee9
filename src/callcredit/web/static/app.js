// Every page: keep SLA countdowns ("due in 3h 12m", "overdue 2d 4h") current, and reload
// pages that ask for it (data-autorefresh on <body>, in seconds).
(function () {
  "use strict";

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return h ? d + "d " + h + "h" : d + "d";
    if (h) return m ? h + "h " + m + "m" : h + "h";
    if (m) return m + "m";
    return (s % 60) + "s";
  }

  function refresh() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var ms = new Date(el.dataset.due) - Date.now();
      if (isNaN(ms)) return;
      el.textContent = ms >= 0 ? "due in " + span(ms) : "overdue " + span(ms);
      el.classList.toggle("overdue", ms < 0);
    });
  }

  setInterval(refresh, 30000);

  // Pages that watch live data (the queue) reload now and then, unless someone is typing.
  var every = Number(document.body.dataset.autorefresh || 0);
  if (every > 0) {
    setInterval(function () {
      var active = document.activeElement;
      var busy = active && active.closest && active.closest("input, select, textarea");
      if (!document.hidden && !busy) window.location.reload();
    }, every * 1000);
  }
})();
