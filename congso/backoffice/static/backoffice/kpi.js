/* Governance dashboards: a click anywhere on a table row follows the row's own link (the link works without this
   script), and Chart.js draws the charts from the figures the page already holds (#kpi-charts-data). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label")) return;
    if (window.getSelection && String(window.getSelection())) return; // selecting text, not clicking
    var link = row.querySelector("a[href]");
    if (link) link.click();
    else window.location.href = row.getAttribute("data-href");
  });

  var source = document.getElementById("kpi-charts-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var palette = ["#b3261e", "#0b57d0", "#1b5e20", "#8a5300", "#5b6470"];
  var percentAxis = { min: 0, max: 100, title: { display: true, text: data.percent } };

  function datasets(series, kind) {
    return series.map(function (s, i) {
      return {
        label: s.label, data: s.data, type: kind, borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length], spanGaps: true, tension: 0.2, yAxisID: "y"
      };
    });
  }

  var trend = document.getElementById("chart-trend");
  if (trend) {
    var sets = datasets(data.trend.series, "line");
    sets.push({
      label: data.trend.received_label, data: data.trend.received, type: "bar", yAxisID: "count",
      backgroundColor: "rgba(91, 100, 112, 0.25)", borderColor: "rgba(91, 100, 112, 0.6)"
    });
    new window.Chart(trend, {
      data: { labels: data.trend.labels, datasets: sets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: percentAxis, count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } }
      }
    });
  }
  var units = document.getElementById("chart-units");
  if (units) {
    new window.Chart(units, {
      type: "bar",
      data: { labels: data.units.labels, datasets: datasets(data.units.series, "bar") },
      options: {
        indexAxis: data.units.labels.length > 6 ? "y" : "x", responsive: true, maintainAspectRatio: false,
        animation: false,
        scales: data.units.labels.length > 6 ? { x: percentAxis } : { y: percentAxis }
      }
    });
  }
})();
