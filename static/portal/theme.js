/* The portal's light/dark switch: "auto" follows the system (prefers-color-scheme), "dark" and "light" are kept in
   localStorage. Loaded in <head> without defer so the chosen theme applies before the first paint. */
(function () {
  "use strict";
  var KEY = "portal-theme";
  var ORDER = ["auto", "dark", "light"];

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return ORDER.indexOf(value) >= 0 ? value : "auto";
    } catch (error) {
      return "auto"; // storage refused (private mode, policy): follow the system
    }
  }

  function apply(theme) {
    var root = document.documentElement;
    if (theme === "auto") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", theme);
  }

  function label(button, theme) {
    button.textContent = "Theme: " + theme;
    button.setAttribute("title", "Colour theme: " + theme + " (click to change)");
  }

  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-theme-switch]").forEach(function (button) {
      label(button, stored());
      button.hidden = false;
      button.addEventListener("click", function () {
        var next = ORDER[(ORDER.indexOf(stored()) + 1) % ORDER.length];
        try {
          if (next === "auto") window.localStorage.removeItem(KEY);
          else window.localStorage.setItem(KEY, next);
        } catch (error) {
          /* not kept across pages, but still applied to this one */
        }
        apply(next);
        label(button, next);
      });
    });
  });
})();
