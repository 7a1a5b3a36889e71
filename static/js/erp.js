/* Behaviour that would otherwise be inline handlers: the Content-Security-Policy (erp/settings.py)
   allows scripts from this site only, so every page's small behaviours live here. */
(function () {
  "use strict";

  // <select data-autosubmit>: choosing a value sends its form (the language switcher).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  // <input data-enter="pick">: Enter does not send the form; it fires "pick", which asks the
  // lookup (hx-trigger="…, pick") to take the exact match (a barcode scanner ends with Enter).
  // <input data-enter="ignore">: Enter does nothing.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.matches || !target.matches("[data-enter]")) {
      return;
    }
    event.preventDefault();
    if (target.getAttribute("data-enter") === "pick") {
      target.dispatchEvent(new CustomEvent("pick", { bubbles: true }));
    }
  });

  // <form data-confirm="question">: asks before sending.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // <button data-print>: prints the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // <div data-percent="42">: a progress bar's width (style attributes are not allowed).
  function widths(root) {
    root.querySelectorAll("[data-percent]").forEach(function (element) {
      element.style.width = element.getAttribute("data-percent") + "%";
    });
  }

  if (window.htmx) {
    // pick=1 when the request was fired by "pick" (Enter), instead of hx-vals="js:…", which needs eval.
    document.addEventListener("htmx:configRequest", function (event) {
      var trigger = event.detail.triggeringEvent;
      if (event.detail.elt.getAttribute("data-enter") === "pick") {
        event.detail.parameters.pick = trigger && trigger.type === "pick" ? "1" : "";
      }
    });
    window.htmx.onLoad(widths);
  } else {
    document.addEventListener("DOMContentLoaded", function () { widths(document); });
  }
})();
