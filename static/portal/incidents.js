/* Incident pages: countdowns of due times (clocks, escalation, manual tasks) and live updates. The websocket
   says an incident changed; the page fetches its fragment again (with its own session) and swaps each
   [data-part] in, except a part the user is typing in (it is swapped at the next change). */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };  /* the catalog at /i18n/js/ (djangojs.po) */
  var interpolate = window.interpolate || function (format, values) { return format.replace("%s", values[0]); };

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d ? d + " d " : "") + two(h) + ":" + two(m) + ":" + two(s % 60);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var left = due - now;
      el.textContent = left >= 0 ? interpolate(gettext("%s left"), [span(left)]) : interpolate(gettext("overdue by %s"), [span(left)]);
      el.classList.toggle("bad", left < 0);
    });
  }
  tick();
  window.setInterval(tick, 1000);

  var root = document.getElementById("incidents-live");
  var status = document.getElementById("live-status");
  if (!root || !window.WebSocket) return;
  var fragmentUrl = root.getAttribute("data-fragment-url");
  var pending = false, again = false, retryMs = 1000;

  function setStatus(state, text) {
    if (!status) return;
    status.setAttribute("data-state", state);
    status.textContent = gettext("Live updates:") + " " + text;
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("[data-part]").forEach(function (fresh) {
      var name = fresh.getAttribute("data-part");
      var old = root.querySelector('[data-part="' + name + '"]');
      if (!old) return;
      if (old.contains(document.activeElement) && document.activeElement !== document.body) { again = true; return; }
      old.replaceWith(document.importNode(fresh, true));
    });
    root.setAttribute("data-updated", String(Number(root.getAttribute("data-updated") || 0) + 1));
    tick();
  }

  function refresh() {
    if (pending) { again = true; return; }
    pending = true;
    window.setTimeout(function () {
      fetch(fragmentUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(swap)
        .catch(function () { /* the next change or a reload shows it */ })
        .then(function () {
          pending = false;
          if (again) { again = false; refresh(); }
        });
    }, 200);  // coalesce bursts (one change writes several timeline lines)
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-ws-path"));
    socket.onopen = function () { retryMs = 1000; window.portalLiveStatus(status, "open", null); };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "hello") { window.portalLiveStatus(status, "open", message); root.setAttribute("data-live", "open"); }
      if (message.type === "changed") refresh();
    };
    socket.onclose = function (event) {
      root.setAttribute("data-live", "closed");
      if (event.code === 4403) { setStatus("closed", gettext("not allowed (sign in again)")); return; }
      window.portalLiveStatus(status, "closed", null);
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }
  connect();
})();
