/* Analytics dashboards: draw the widgets' plotly figures (embedded as JSON), drill into the rows behind a
   clicked bar/slice/point, move and resize widgets with gridstack.js in edit mode and save the layout (POST,
   CSRF), switch the time range, and re-fetch the widgets whose data changed (websocket), at most once a second. */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };  /* the catalog at /i18n/js/ (djangojs.po) */
  var root = document.getElementById("analytics-grid");
  if (!root) return;
  var viewParams = root.getAttribute("data-view-params") || "";
  var widgetUrl = root.getAttribute("data-widget-url");
  var status = document.getElementById("analytics-live-status");
  var MIN_INTERVAL_MS = 1000;  // at most one round of widget fetches per second per dashboard
  var grid = null;

  function drillUrl(base, point) {
    var params = new URLSearchParams(viewParams);
    if (point && point.bucket) params.set("bucket", point.bucket);
    var filters = (point && point.filters) || {};
    Object.keys(filters).forEach(function (name) { params.set("filter_" + name, filters[name]); });
    return base + "?" + params.toString();
  }

  function draw(scope) {
    if (!window.Plotly) return;
    scope.querySelectorAll("[data-analytics-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-analytics-figure"));
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(el, figure.data, figure.layout, { responsive: true, displayModeBar: false }).then(function () {
        el.setAttribute("data-drawn", "true");
        var base = el.getAttribute("data-drill-url");
        if (!base || el.getAttribute("data-drill-bound")) return;
        el.setAttribute("data-drill-bound", "true");
        el.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          if (point && point.customdata) window.location.assign(drillUrl(base, point.customdata));
        });
      });
    });
  }

  function resizeCharts(item) {
    if (!window.Plotly) return;
    item.querySelectorAll(".js-plotly-plot").forEach(function (el) { window.Plotly.Plots.resize(el); });
  }

  /* --- the grid: static until "Edit layout"; the save posts every widget's box ------------------------------ */
  function setupGrid() {
    if (!window.GridStack) return;
    root.classList.add("grid-stack");
    grid = window.GridStack.init({
      column: 12, cellHeight: 80, margin: 6, float: true, animate: false, staticGrid: true,
      handle: ".widget-box__head", resizable: { handles: "se" }, alwaysShowResizeHandle: true
    }, root);
    grid.on("resizestop", function (event, el) { resizeCharts(el); });
    grid.on("change", function () {
      root.setAttribute("data-layout-dirty", "true");
      var saved = document.getElementById("layout-status");
      if (saved) saved.textContent = gettext("Unsaved changes");
    });
    var toggle = document.getElementById("edit-toggle");
    if (toggle) toggle.addEventListener("click", function () {
      var editing = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", editing ? "true" : "false");
      toggle.textContent = editing ? gettext("Done editing") : gettext("Edit layout");
      document.body.classList.toggle("editing", editing);
      grid.setStatic(!editing);
    });
    var save = document.getElementById("layout-save");
    if (save) save.addEventListener("click", saveLayout);
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-nudge]");
      if (button) nudge(button.closest(".grid-stack-item"), button.getAttribute("data-nudge"));
    });
  }

  function nudge(item, how) {
    var node = item.gridstackNode;
    if (!node) return;
    var change = {
      left: { x: Math.max(node.x - 1, 0) }, right: { x: Math.min(node.x + 1, 12 - node.w) },
      up: { y: Math.max(node.y - 1, 0) }, down: { y: node.y + 1 },
      wider: { w: Math.min(node.w + 1, 12 - node.x) }, narrower: { w: Math.max(node.w - 1, 1) },
      taller: { h: Math.min(node.h + 1, 12) }, shorter: { h: Math.max(node.h - 1, 1) }
    }[how];
    grid.update(item, change);
    resizeCharts(item);
  }

  function saveLayout() {
    var saved = document.getElementById("layout-status");
    var items = grid.save(false).map(function (node) {
      return { id: parseInt(node.id, 10), x: node.x || 0, y: node.y || 0, w: node.w || 1, h: node.h || 1 };
    });
    fetch(root.getAttribute("data-layout-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.getAttribute("data-csrf-token") },
      body: JSON.stringify({ items: items })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) throw new Error(answer.body.message || gettext("The layout was not saved."));
      root.removeAttribute("data-layout-dirty");
      root.setAttribute("data-layout-saved", new Date().toISOString());
      saved.textContent = gettext("Layout saved");
    }).catch(function (error) { saved.textContent = error.message; });
  }

  /* --- the time range: presets submit at once; custom shows the dates ---------------------------------------- */
  function setupRange() {
    var form = document.getElementById("range-picker");
    if (!form) return;
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
  }

  /* --- live updates: the socket names the widgets whose data changed; fetch them again, at most once a second -- */
  var queued = {};
  var lastRound = 0;
  var timer = null;

  function fetchWidget(id) {
    var item = root.querySelector('[data-widget="' + id + '"]');
    if (!item) return Promise.resolve();
    var url = widgetUrl.replace(/\/0\/$/, "/" + id + "/") + (viewParams ? "?" + viewParams : "");
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var body = item.querySelector("[data-widget-body]");
        body.innerHTML = html;
        item.setAttribute("data-updated", new Date().toISOString());
        item.classList.add("updated");
        window.setTimeout(function () { item.classList.remove("updated"); }, 1500);
        draw(body);
      })
      .catch(function () { /* the next change, the refresh interval or a reload shows it */ });
  }

  function round() {
    timer = null;
    var ids = Object.keys(queued);
    queued = {};
    if (!ids.length) return;
    lastRound = Date.now();
    var number = String(parseInt(root.getAttribute("data-refetch-rounds") || "0", 10) + 1);
    root.setAttribute("data-refetch-rounds", number);
    Promise.all(ids.map(fetchWidget)).then(function () { root.setAttribute("data-refetch-done", number); });
  }

  function queue(ids) {
    ids.forEach(function (id) { queued[id] = true; });
    if (timer) return;
    timer = window.setTimeout(round, Math.max(0, lastRound + MIN_INTERVAL_MS - Date.now()));
  }

  function setStatus(state, text) {
    if (!status) return;
    status.setAttribute("data-state", state);
    status.textContent = gettext("Live updates:") + " " + text;
  }

  var retryMs = 1000;
  function connect() {
    var path = root.getAttribute("data-ws-path");
    if (!path || !window.WebSocket) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.onopen = function () { retryMs = 1000; window.portalLiveStatus(status, "open", null); };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "hello") { window.portalLiveStatus(status, "open", message); root.setAttribute("data-live", "open"); }
      if (message.type === "changed") queue(message.widgets.map(String));
    };
    socket.onclose = function (event) {
      root.setAttribute("data-live", "closed");
      if (event.code === 4403) { setStatus("closed", gettext("not allowed (sign in again)")); return; }
      if (event.code === 4404) { setStatus("closed", gettext("this dashboard is gone")); return; }
      window.portalLiveStatus(status, "closed", null);
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }

  function setupRefresh() {
    var seconds = parseInt(root.getAttribute("data-refresh-seconds") || "0", 10);
    if (seconds > 0) window.setInterval(function () {
      queue(Array.prototype.map.call(root.querySelectorAll("[data-widget]"), function (el) {
        return el.getAttribute("data-widget");
      }));
    }, seconds * 1000);
  }

  window.addEventListener("load", function () {
    setupGrid();
    draw(root);
    setupRange();
    setupRefresh();
    connect();
  });
})();
