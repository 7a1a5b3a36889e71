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

  // <table class="table-cards">: each cell gets its column's header as data-label, which the phone
  // layout (static/css/erp.css) shows before the value when the rows become cards.
  function labelTables(root) {
    var tables = [];
    if (root.matches && root.matches("table.table-cards")) { tables.push(root); }
    var outer = root.closest && root.closest("table.table-cards");
    if (outer) { tables.push(outer); }
    if (root.querySelectorAll) {
      root.querySelectorAll("table.table-cards").forEach(function (table) { tables.push(table); });
    }
    tables.forEach(function (table) {
      var headers = [];
      table.querySelectorAll(":scope > thead > tr:first-child > th").forEach(function (th) {
        var span = parseInt(th.getAttribute("colspan") || "1", 10);
        for (var i = 0; i < span; i++) { headers.push(th.textContent.trim()); }
      });
      table.querySelectorAll(":scope > tbody > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var span = parseInt(cell.getAttribute("colspan") || "1", 10);
          if (!cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", span === 1 && headers[column] !== undefined ? headers[column] : "");
          }
          column += span;
        });
      });
    });
  }

  // <input data-scan="#scope">: the scan field of the keeper's screens. A barcode scanner types a code
  // and Enter; the code is looked up in what the page already shows (scoped by the server to the
  // user's company and warehouse):
  // - a row whose data-scan-codes (item code | barcode) has it: that row becomes the current one;
  // - an <option data-code> of a <select data-scan-field="location|lot|…"> (location code, lot
  //   number): chosen in the current row, or kept for the next row scanned when there is none yet;
  // - otherwise, in a row with an item lookup (<input data-scan-item>): the code goes to the current
  //   (or first empty) row's lookup, which the server answers (Enter takes the exact match).
  // The field's data-scan-* attributes hold the translated messages (%(code)s, %(line)s).
  function message(input, name, code, line) {
    return (input.getAttribute("data-scan-" + name) || "%(code)s")
      .replace("%(code)s", code).replace("%(line)s", line || "");
  }

  function say(input, text, bad) {
    var feedback = document.getElementById(input.getAttribute("aria-describedby") || "");
    input.classList.toggle("is-invalid", !!bad);
    if (feedback) {
      feedback.textContent = text;
      feedback.classList.toggle("text-danger", !!bad);
    }
  }

  function codesOf(element, attribute) {
    return (element.getAttribute(attribute) || "").toUpperCase().split("|");
  }

  function optionIn(root, key) {
    var found = null;
    root.querySelectorAll("select[data-scan-field] option[data-code]").forEach(function (option) {
      if (!found && option.getAttribute("data-code").toUpperCase() === key) { found = option; }
    });
    return found;
  }

  function choose(option) {
    var select = option.parentElement.closest("select");
    select.value = option.value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function rowNumber(row) {
    return row.getAttribute("data-scan-number") || "";
  }

  function makeCurrent(state, scope, row) {
    scope.querySelectorAll("[data-scan-row]").forEach(function (other) {
      other.classList.remove("scan-current");
      other.removeAttribute("aria-current");
    });
    state.current = row;
    row.classList.add("scan-current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function scan(input) {
    var scope = document.querySelector(input.getAttribute("data-scan"));
    var code = input.value.trim();
    if (!scope || !code) { return; }
    var key = code.toUpperCase();
    var state = input.scanState || (input.scanState = { pending: {} });
    var rows = Array.prototype.slice.call(scope.querySelectorAll("[data-scan-row]"));
    var current = state.current && scope.contains(state.current) ? state.current : null;
    input.value = "";

    // a location printed on the rows (a count sheet): the next item scanned is looked for there
    if (rows.some(function (row) { return (row.getAttribute("data-scan-location") || "").toUpperCase() === key; })) {
      state.location = key;
      say(input, message(input, "pending", code));
      return;
    }
    var matches = rows.filter(function (row) { return codesOf(row, "data-scan-codes").indexOf(key) >= 0; });
    if (state.location) {
      var here = matches.filter(function (row) {
        return (row.getAttribute("data-scan-location") || "").toUpperCase() === state.location;
      });
      matches = here.length ? here : matches;
    }
    if (matches.length) {
      // the first matching row still to do (its quantity empty), else the first
      var row = matches.filter(function (r) {
        var quantity = r.querySelector("[data-scan-quantity]");
        return quantity && !quantity.value;
      })[0] || matches[0];
      makeCurrent(state, scope, row);
      Object.keys(state.pending).forEach(function (field) {
        var option = optionIn(row, state.pending[field]);
        if (option) { choose(option); }
      });
      state.pending = {};
      state.location = null;
      say(input, message(input, "found", code, rowNumber(row)));
      // no field to choose on the row (a count sheet): the quantity is next
      var quantity = row.querySelector("[data-scan-quantity]");
      if (quantity && !row.querySelector("select[data-scan-field]")) { quantity.focus(); }
      return;
    }
    var option = optionIn(current || scope, key);
    if (option) {
      if (current || !rows.some(function (row) { return row.hasAttribute("data-scan-codes"); })) {
        choose(option);
        var row = option.closest("[data-scan-row]");
        if (row) { makeCurrent(state, scope, row); }
        say(input, message(input, "set", code, row ? rowNumber(row) : ""));
      } else {
        state.pending[option.parentElement.closest("select").getAttribute("data-scan-field")] = key;
        say(input, message(input, "pending", code));
      }
      return;
    }
    var lookups = rows.map(function (row) { return row.querySelector("[data-scan-item]"); })
      .filter(function (field) { return field; });
    var own = current && current.querySelector("[data-scan-item]");
    var lookup = (own && !own.value ? own : null) || lookups.filter(function (field) { return !field.value; })[0] || own;
    if (lookup) {
      var target = lookup.closest("[data-scan-row]");
      makeCurrent(state, scope, target);
      lookup.value = code;
      lookup.dispatchEvent(new CustomEvent("pick", { bubbles: true }));
      say(input, message(input, "lookup", code, rowNumber(target)));
      return;
    }
    say(input, message(input, "unknown", code), true);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches("input[data-scan]")) {
      event.preventDefault();
      scan(target);
    }
  });

  // Working in a row (tapping its fields) makes it the row the next scanned location or lot goes to.
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-scan-row]");
    if (!row) { return; }
    document.querySelectorAll("input[data-scan]").forEach(function (input) {
      var scope = document.querySelector(input.getAttribute("data-scan"));
      if (scope && scope.contains(row)) {
        makeCurrent(input.scanState || (input.scanState = { pending: {} }), scope, row);
      }
    });
  });

  // <button data-lookup-choose="id of the hidden field" data-label="…">: an item chosen in a lookup
  // list (inventory/partials/item_lookup.html) fills the line's hidden item field and its search
  // field; the hidden field's change event lets the line follow (the unit select, htmx).
  // data-lookup-auto: chosen at once (Enter took the exact match).
  function chooseItem(button) {
    var field = document.getElementById(button.getAttribute("data-lookup-choose"));
    if (!field) { return; }
    var search = document.getElementById(field.id + "_search");
    field.value = button.getAttribute("data-item");
    if (search) { search.value = button.getAttribute("data-label"); search.classList.remove("is-invalid"); }
    var list = button.closest(".lookup-results");
    if (list) { list.innerHTML = ""; }
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-lookup-choose]");
    if (button) { chooseItem(button); }
  });

  function autoChoose(root) {
    if (!root.querySelectorAll) { return; }
    if (root.matches("[data-lookup-choose][data-lookup-auto]")) { chooseItem(root); }
    root.querySelectorAll("[data-lookup-choose][data-lookup-auto]").forEach(chooseItem);
  }

  if (window.htmx) {
    // pick=1 when the request was fired by "pick" (Enter), instead of hx-vals="js:…", which needs eval.
    document.addEventListener("htmx:configRequest", function (event) {
      var trigger = event.detail.triggeringEvent;
      if (event.detail.elt.getAttribute("data-enter") === "pick") {
        event.detail.parameters.pick = trigger && trigger.type === "pick" ? "1" : "";
      }
    });
    window.htmx.onLoad(function (root) { widths(root); labelTables(root); autoChoose(root); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { widths(document); labelTables(document); });
  }
})();
