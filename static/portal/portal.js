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
