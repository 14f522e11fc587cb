// The report's behaviour: draw the charts, pick a student, filter dates, sort tables. No network.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const timeCharts = ["chart-activity", "chart-student"];
  for (const [id, spec] of Object.entries(data.charts)) {
    Plotly.newPlot(id, spec.data, spec.layout, data.config);
  }

  // The student picker: redraws the student's chart and card, lists their work, marks their row.
  const picker = document.getElementById("student-picker");
  const cell = (text, numeric) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "num";
    return td;
  };
  function showStudent(id) {
    const student = data.students[id];
    Plotly.restyle("chart-student", { y: [data.views[id]] }, [0]);
    Plotly.relayout("chart-student", { "title.text": "Page views per day: " + student.label });
    for (const [key, value] of Object.entries(student.card)) {
      document.querySelector('[data-card="' + key + '"]').textContent = value;
    }
    const body = document.querySelector("#student-work tbody");
    body.replaceChildren();
    const work = data.work[id] || [];
    for (const item of work) {
      const row = document.createElement("tr");
      row.append(cell(item.title), cell(item.status), cell(item.due));
      body.append(row);
    }
    if (!work.length) {
      const row = document.createElement("tr");
      const td = cell("nothing missing, late or excused");
      td.colSpan = 3;
      row.append(td);
      body.append(row);
    }
    document.querySelectorAll("#students tbody tr").forEach((tr) => {
      tr.classList.toggle("picked", tr.dataset.student === String(id));
    });
  }
  picker.addEventListener("change", () => showStudent(picker.value));
  document.querySelectorAll("#students tbody tr").forEach((tr) => {
    tr.addEventListener("click", () => {
      picker.value = tr.dataset.student;
      showStudent(tr.dataset.student);
    });
  });
  showStudent(picker.value);

  // The date range: two date fields and the course chart's slider move every time axis together.
  const from = document.getElementById("range-from");
  const to = document.getElementById("range-to");
  const readout = document.getElementById("range-readout");
  const shown = (day) => new Date(day + "T12:00:00Z").toLocaleDateString("en-GB", {
    weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
  });
  function describe(start, end) {
    readout.textContent = "Showing " + shown(start) + " \u2013 " + shown(end) + " (" + data.tz + ")";
  }
  function applyRange() {
    if (!from.value || !to.value || from.value > to.value) return;
    for (const id of timeCharts) {
      Plotly.relayout(id, { "xaxis.range": [from.value, to.value + " 23:59"] });
    }
    describe(from.value, to.value);
  }
  from.addEventListener("change", applyRange);
  to.addEventListener("change", applyRange);
  document.getElementById("range-reset").addEventListener("click", () => {
    from.value = data.range[0];
    to.value = data.range[1];
    applyRange();
  });
  document.getElementById("chart-activity").on("plotly_relayout", (event) => {
    const start = event["xaxis.range[0]"] || (event["xaxis.range"] || [])[0];
    const end = event["xaxis.range[1]"] || (event["xaxis.range"] || [])[1];
    if (!start || !end) return;
    from.value = String(start).slice(0, 10);
    to.value = String(end).slice(0, 10);
    Plotly.relayout("chart-student", { "xaxis.range": [start, end] });
    describe(from.value, to.value);
  });
  describe(data.range[0], data.range[1]);

  // Sortable tables: a header click sorts by that column (numbers as numbers, blanks last).
  document.querySelectorAll("table.sortable").forEach((table) => {
    const headers = Array.from(table.querySelectorAll("thead th"));
    headers.forEach((th, index) => {
      th.tabIndex = 0;
      const sort = () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const key = (tr) => {
          const td = tr.children[index];
          const raw = td.dataset.sort !== undefined ? td.dataset.sort : td.textContent.trim();
          return raw === "" ? null : (th.classList.contains("num") ? Number(raw) : raw);
        };
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          if (x === null || y === null) return x === y ? 0 : (x === null ? 1 : -1);
          const order = x < y ? -1 : (x > y ? 1 : 0);
          return ascending ? order : -order;
        });
        body.append(...rows);
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (event) => { if (event.key === "Enter") sort(); });
    });
  });
})();
