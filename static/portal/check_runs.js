/* The check-run list after "Run checks now": while the request waits for the worker, fetch the page again every few
   seconds and swap in its runs, so they appear without a reload (it stops once the request has run). */
(function () {
  "use strict";
  var INTERVAL_MS = 4000, MAX_TRIES = 45;
  var tries = 0;
  function poll() {
    var live = document.getElementById("check-runs-live");
    if (!live || !live.hasAttribute("data-pending") || !window.fetch || !window.DOMParser) return;
    if (++tries > MAX_TRIES) return;
    window.setTimeout(function () {
      window.fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          var fresh = new window.DOMParser().parseFromString(html, "text/html").getElementById("check-runs-live");
          if (!fresh) return;
          live.innerHTML = fresh.innerHTML;
          if (!fresh.hasAttribute("data-pending")) live.removeAttribute("data-pending");
          poll();
        })
        .catch(function () { poll(); });
    }, INTERVAL_MS);
  }
  poll();
})();
