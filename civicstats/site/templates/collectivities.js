/* The collectivities page: search, filters, sorting and a count of the rows shown. The site's own, inline:
   without JavaScript the whole table shows and the form stays hidden. With it, the first LIMIT rows that match
   are shown (thousands of rows at once are slow to lay out), and a button shows them all. */
(function () {
  "use strict";
  var form = document.getElementById("cs-filters"), table = document.getElementById("cs-coll");
  var count = document.getElementById("cs-count");
  if (!form || !table || !count) return;
  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
  var lang = document.documentElement.lang, numbers = new Intl.NumberFormat(lang);
  var collator = new Intl.Collator(lang, {numeric: true, sensitivity: "base"});
  var fields = ["dep", "reg", "kind", "status"], LIMIT = Number(table.getAttribute("data-limit")), limited = true;
  var more = document.getElementById("cs-more");

  function fold(words) {
    return words.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  rows.forEach(function (row) {  // what the search reads (name, SIREN and INSEE code), and the filters
    row.csWords = fold([0, 2, 3].map(function (i) { return row.cells[i].textContent; }).join(" "));
    row.csFields = fields.map(function (name) { return row.getAttribute("data-" + name); });
  });

  function apply() {  // a row's visibility is only set when it changes: the rest of the table is not laid out again
    var needle = fold(form.elements.q.value), shown = 0;
    var wanted = fields.map(function (name) { return form.elements[name].value; });
    rows.forEach(function (row) {
      var keep = !needle || row.csWords.indexOf(needle) >= 0;
      for (var i = 0; keep && i < wanted.length; i++) keep = !wanted[i] || row.csFields[i] === wanted[i];
      if (keep) shown += 1;
      var hidden = !keep || (limited && shown > LIMIT);
      if (row.hidden !== hidden) row.hidden = hidden;
    });
    var cut = limited && shown > LIMIT;
    count.textContent = count.getAttribute(cut ? "data-cut" : "data-template").replace("{limit}", numbers.format(LIMIT))
      .replace("{shown}", numbers.format(shown)).replace("{total}", numbers.format(rows.length));
    more.hidden = !cut;
  }

  function sortBy(header, column) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = header.getAttribute("data-type") === "number";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    function key(row) {
      var cell = row.cells[column];
      if (!numeric) return cell.textContent;
      var value = cell.getAttribute("data-v");
      return value === "" ? -1 : Number(value);
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), order = numeric ? x - y : collator.compare(x, y);
      return ascending ? order : -order;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
    apply();
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cs-sort";
    while (header.firstChild) button.appendChild(header.firstChild);
    header.appendChild(button);
    button.addEventListener("click", function () { sortBy(header, column); });
  });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  more.addEventListener("click", function () { limited = false; apply(); });
  form.hidden = false;
  apply();
}());
