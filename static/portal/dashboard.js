/* The live dashboard: a websocket says which widgets changed; each is fetched again and swapped in. */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };  /* the catalog at /i18n/js/ (djangojs.po) */
  var board = document.getElementById("dashboard");
  var status = document.getElementById("live-status");
  if (!board) return;
  var widgetUrl = board.getAttribute("data-widget-url");
  var pending = {};
  var retryMs = 1000;

  function setStatus(state, text) {
    status.setAttribute("data-state", state);
    status.textContent = gettext("Live updates:") + " " + text;
  }

  function refresh(name) {
    if (pending[name]) return;
    pending[name] = true;
    window.setTimeout(function () {
      var section = board.querySelector('[data-widget="' + name + '"]');
      fetch(widgetUrl.replace("__name__", encodeURIComponent(name)), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          var body = section.querySelector(".widget__body");
          body.innerHTML = html;
          section.setAttribute("data-updated", new Date().toISOString());
          section.classList.add("updated");
          window.setTimeout(function () { section.classList.remove("updated"); }, 1500);
          if (window.portalDrawCharts) window.portalDrawCharts(section);
        })
        .catch(function () { /* the next change or a reload shows it */ })
        .then(function () { pending[name] = false; });
    }, 150);  // coalesce bursts (a check run changes several widgets at once)
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + board.getAttribute("data-ws-path"));
    socket.onopen = function () { retryMs = 1000; window.portalLiveStatus(status, "open", null); };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "hello") { window.portalLiveStatus(status, "open", message); board.setAttribute("data-live", "open"); }
      if (message.type === "changed") message.widgets.forEach(refresh);
    };
    socket.onclose = function (event) {
      board.setAttribute("data-live", "closed");
      if (event.code === 4403) { setStatus("closed", gettext("not allowed (sign in again)")); return; }
      window.portalLiveStatus(status, "closed", null);
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }
  connect();
})();
