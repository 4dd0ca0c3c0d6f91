/* Draw the plotly figures of a page (or of a re-rendered fragment) from their JSON script tags. */
(function () {
  "use strict";
  function drawCharts(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(el, figure.data, figure.layout, { responsive: true, displayModeBar: false });
    });
  }
  window.portalDrawCharts = drawCharts;
  window.addEventListener("load", function () { drawCharts(document); });
})();

/* The "Live updates" indicator of every live page, from the socket's state and the server's hello: "on" only once
   the server said hello on an open socket, and then what the server's channel layer can deliver. */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };  /* the catalog at /i18n/js/ (djangojs.po) */
  window.portalLiveStatus = function (status, socketState, hello) {
    if (!status) return;
    var state = socketState, text;
    if (socketState === "open" && hello) {
      if (hello.reach === "process") {
        state = "open-local";
        text = gettext("on for this server's own changes (its pages and its scheduled jobs); changes made by another " +
          "process, such as a manage.py command, show after a reload");
      } else if (hello.reach === "none") {
        state = "closed";
        text = gettext("off (this server has no channel layer); reload to see changes");
      } else {
        text = gettext("on");
      }
    } else if (socketState === "open") {
      state = "connecting";
      text = gettext("connecting…");
    } else {
      text = socketState === "connecting" ? gettext("connecting…") : gettext("off, reconnecting…");
    }
    status.setAttribute("data-state", state);
    status.setAttribute("title", hello ? "channel layer: " + hello.reach + ", scheduler: " + hello.scheduler : "");
    status.textContent = gettext("Live updates:") + " " + text;
  };
})();
