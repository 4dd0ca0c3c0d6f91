/* Draw the plotly figures of a page (or of a re-rendered fragment) from their JSON script tags. */
(function () {
  "use strict";
  function drawCharts(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(el, figure.data, figure.layout, { responsive: true, displayModeBar: false }).then(function () {
        el.setAttribute("data-drawn", "true");
        bindDrill(el);
      });
    });
  }
  /* A chart with data-drill-url opens the rows behind a clicked bar or point: the point's customdata (an object
     such as {"framework": …, "day": …}) becomes the query string of that URL. */
  function bindDrill(el) {
    var base = el.getAttribute("data-drill-url");
    if (!base || el.getAttribute("data-drill-bound")) return;
    el.setAttribute("data-drill-bound", "true");
    el.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point || !point.customdata || typeof point.customdata !== "object") return;
      window.location.assign(base + "?" + new URLSearchParams(point.customdata).toString());
    });
  }
  /* The time-range pickers ([data-range-picker]): a preset submits at once; "custom" shows the from–to dates. */
  function setupRangePickers() {
    document.querySelectorAll("form[data-range-picker]").forEach(function (form) {
      var select = form.querySelector("select[name=range]");
      var custom = form.querySelector("[data-custom-range]");
      function sync() {
        var isCustom = select.value === "custom";
        custom.hidden = !isCustom;
        custom.querySelectorAll("input").forEach(function (input) { input.disabled = !isCustom; });
        select.disabled = false;
      }
      select.addEventListener("change", function () {
        sync();
        if (select.value !== "custom") form.requestSubmit();
      });
      form.addEventListener("submit", function () { if (select.value === "custom") select.disabled = true; });
      sync();
    });
  }
  window.portalDrawCharts = drawCharts;
  window.addEventListener("load", function () { drawCharts(document); });
  document.addEventListener("DOMContentLoaded", setupRangePickers);
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
