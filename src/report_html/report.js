(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var root = document.documentElement;

  function text(el) {
    return (el.getAttribute("data-sort") || el.textContent || "").trim();
  }

  function sortTable(table, col, button) {
    var body = table.tBodies[0];
    var dir = button.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    Array.prototype.forEach.call(table.querySelectorAll("button.sort"), function (b) {
      b.removeAttribute("data-dir");
      b.parentNode.removeAttribute("aria-sort");
    });
    button.setAttribute("data-dir", dir);
    button.parentNode.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) {
      return { row: r, key: text(r.cells[col] || r), i: i };
    });
    rows.sort(function (a, b) {
      var x = parseFloat(a.key), y = parseFloat(b.key), c;
      if (!isNaN(x) && !isNaN(y) && String(x) === a.key && String(y) === b.key) {
        c = x - y;
      } else {
        c = a.key.localeCompare(b.key);
      }
      if (c === 0) { c = a.i - b.i; }
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }

  function applyFilters(table) {
    var id = table.id;
    var query = "";
    var selects = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-table='" + id + "']"), function (c) {
      if (c.tagName === "INPUT") { query = c.value.toLowerCase(); }
      if (c.tagName === "SELECT" && c.value !== "") { selects.push(c); }
    });
    var shown = 0, total = table.tBodies[0].rows.length;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var ok = query === "" || r.textContent.toLowerCase().indexOf(query) !== -1;
      selects.forEach(function (s) {
        if (r.getAttribute("data-" + s.getAttribute("data-column")) !== s.value) { ok = false; }
      });
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var status = document.querySelector("[data-status-for='" + id + "']");
    if (status) { status.textContent = shown + " of " + total + " shown"; }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "sort";
      b.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(b);
      b.addEventListener("click", function () { sortTable(table, col, b); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-table='" + table.id + "']"), function (c) {
      c.hidden = false;
      c.addEventListener(c.tagName === "INPUT" ? "input" : "change", function () { applyFilters(table); });
    });
    applyFilters(table);
  });

  var stamp = document.getElementById("js-status");
  if (stamp) {
    stamp.textContent = "Interactive: " + data.objects + " objects, " + data.findings +
      " findings; click a column heading to sort.";
  }
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  root.setAttribute("data-js", "ready");
})();
