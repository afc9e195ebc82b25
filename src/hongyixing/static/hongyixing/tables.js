// On a phone a list table becomes one card per row (app.css); each cell then shows its column's
// header before it, so a row never turns into bare numbers. The labels are copied from the header
// here, once, so that templates keep plain tables. (A separate file: the CSP forbids inline script.)
(function () {
  "use strict";
  document.querySelectorAll("table.list").forEach(function (table) {
    var rows = table.tHead ? table.tHead.rows : [];
    if (!rows.length) { return; }
    var header = rows[rows.length - 1];
    var labels = [];
    Array.prototype.forEach.call(header.cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i++) { labels.push(cell.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && labels[column]) { cell.setAttribute("data-label", labels[column]); }
          column += cell.colSpan || 1;
        });
      });
    });
  });
})();
