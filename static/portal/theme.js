/* The portal's light/dark switch: "auto" follows the system (prefers-color-scheme), "dark" and "light" are kept in
   localStorage. Loaded in <head> without defer so the chosen theme applies before the first paint. */
(function () {
  "use strict";
  var KEY = "portal-theme";
  var ORDER = ["auto", "dark", "light"];
  var gettext = window.gettext || function (text) { return text; };  /* the catalog at /i18n/js/ (djangojs.po) */
  var NAMES = { auto: gettext("auto"), dark: gettext("dark"), light: gettext("light") };

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

  function interpolateTheme(format, name) { return format.replace("%s", name); }

  function label(button, theme) {
    button.textContent = gettext("Theme:") + " " + NAMES[theme];
    button.setAttribute("title", interpolateTheme(gettext("Colour theme: %s (click to change)"), NAMES[theme]));
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
