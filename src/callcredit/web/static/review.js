// Review and request pages: play the recording from evidence snippets, keyboard shortcuts,
// the prefilled explanation, and the reviewer's lease kept alive while the page is open.
(function () {
  "use strict";

  var player = document.getElementById("player");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";
  var snippets = Array.prototype.slice.call(document.querySelectorAll("button.snippet[data-start]"));
  var current = -1;

  function markActive(index) {
    document.querySelectorAll(".is-active").forEach(function (el) { el.classList.remove("is-active"); });
    if (index === null || index === undefined || index === "") return;
    document.querySelectorAll('[data-ev="' + index + '"]').forEach(function (el) { el.classList.add("is-active"); });
    var mark = document.querySelector('mark[data-ev="' + index + '"]');
    if (mark) mark.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function playFrom(start, index) {
    if (!player || isNaN(start)) return;
    player.currentTime = start;
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () {});
    markActive(index);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button.snippet[data-start], mark.ev[data-start], button.seek[data-start]");
    if (!target) return;
    var index = target.dataset.ev;
    if (index !== undefined) current = snippets.findIndex(function (b) { return b.dataset.ev === index; });
    playFrom(parseFloat(target.dataset.start), index);
  });

  function step(direction) {
    if (!snippets.length) return;
    current = current < 0 ? (direction > 0 ? 0 : snippets.length - 1)
      : Math.min(Math.max(current + direction, 0), snippets.length - 1);
    var button = snippets[current];
    button.focus({ preventScroll: true });
    playFrom(parseFloat(button.dataset.start), button.dataset.ev);
  }

  function togglePlay() {
    if (!player) return;
    if (player.paused) {
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () {});
    } else {
      player.pause();
    }
  }

  // The decision form: outcome buttons, the explanation prefilled per reason and outcome.
  var form = document.getElementById("decision-form");
  var explanation = document.getElementById("explanation");
  var reasonSelect = document.getElementById("reason");
  var submit = document.getElementById("submit-decision");
  var texts = {};
  var dataNode = document.getElementById("explanations");
  if (dataNode) { try { texts = JSON.parse(dataNode.textContent); } catch (err) { texts = {}; } }
  var autofilled = explanation ? explanation.value : "";
  var labels = { approve: "Approve the request", decline: "Decline the request", partial: "Give the partial credit" };

  function outcome() {
    var checked = form && form.querySelector('input[name="outcome"]:checked');
    return checked ? checked.value : "";
  }

  function refreshForm() {
    if (!form) return;
    var chosen = outcome();
    var reason = reasonSelect.value;
    if (explanation && explanation.value.trim() === autofilled.trim() && texts[reason] && texts[reason][chosen]) {
      explanation.value = texts[reason][chosen];
      autofilled = explanation.value;
    }
    var option = reasonSelect.options[reasonSelect.selectedIndex];
    var cap = document.getElementById("amount-cap");
    if (cap && option) cap.textContent = "$" + (Number(option.dataset.cap) / 100).toFixed(2);
    if (submit && labels[chosen] && !submit.disabled) submit.textContent = labels[chosen];
  }

  function choose(value) {
    var radio = form && form.querySelector('input[name="outcome"][value="' + value + '"]');
    if (!radio) return;
    radio.checked = true;
    refreshForm();
    submit.focus();
  }

  if (form) {
    form.addEventListener("change", refreshForm);
    refreshForm();
    document.querySelectorAll(".use-reason").forEach(function (chip) {
      chip.addEventListener("click", function () {
        reasonSelect.value = chip.dataset.reason;
        refreshForm();
        reasonSelect.focus();
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === " ") {
      var nativeControl = target.closest && target.closest("audio, a, button:not(.snippet):not(.seek)");
      if (nativeControl) return;
      event.preventDefault();
      togglePlay();
    } else if (key === "j") {
      step(-1);
    } else if (key === "k") {
      step(1);
    } else if (key === "a" && form) {
      event.preventDefault();
      choose("approve");
    } else if (key === "d" && form) {
      event.preventDefault();
      choose("decline");
    }
  });

  // The lease: renew it while the page is open; say so at once when it is lost.
  var lease = document.getElementById("lease");
  if (!lease) return;
  var until = new Date(lease.dataset.until);
  var left = document.getElementById("lease-left");
  var timers = [];
  var over = false;

  function format(ms) {
    var seconds = Math.max(0, Math.round(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    return minutes + ":" + String(seconds % 60).padStart(2, "0");
  }

  function stop(bannerId) {
    if (over) return;
    over = true;
    timers.forEach(clearInterval);
    var banner = document.getElementById(bannerId);
    if (banner) { banner.hidden = false; banner.scrollIntoView({ block: "nearest" }); }
    lease.classList.add("lease-lost");
    left.textContent = "lost";
    if (submit) { submit.disabled = true; submit.textContent = "Lease lost: cannot save"; }
  }

  function tick() {
    var ms = until - Date.now();
    if (ms <= 0) { stop("lease-lost"); return; }
    left.textContent = format(ms);
    lease.classList.toggle("lease-warn", ms < 60000);
  }

  function renew() {
    if (over) return;
    fetch(lease.dataset.renewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (body) {
          until = new Date(body.lease_until);
          lease.classList.remove("lease-offline");
          tick();
        });
      }
      if (response.status === 401) stop("session-lost");
      else if (response.status === 409 || response.status === 404 || response.status === 403) stop("lease-lost");
      else lease.classList.add("lease-offline");
    }).catch(function () { lease.classList.add("lease-offline"); });
  }

  timers.push(setInterval(tick, 1000));
  timers.push(setInterval(renew, Number(lease.dataset.every || 60) * 1000));
  window.addEventListener("focus", renew);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) renew(); });
  tick();
})();
