/* The staff desk's small script: charts from the page's embedded JSON, confirmations, printing.
   No inline handlers anywhere: everything hangs off data attributes. */
(function () {
  "use strict";

  var COLOURS = { line: "#0b5cad", late: "#b3261e" };

  function drawCharts() {
    var holder = document.getElementById("desk-charts");
    if (!holder || typeof window.Chart === "undefined") return;
    var data = JSON.parse(holder.textContent);
    var weekly = document.getElementById("chart-weekly");
    if (weekly && data.weekly) {
      new window.Chart(weekly, {
        type: "bar",
        data: {
          labels: data.weekly.labels,
          datasets: [{ label: data.weekly.label, data: data.weekly.values, backgroundColor: COLOURS.line,
                       maxBarThickness: 36 }]
        },
        options: {
          maintainAspectRatio: false, animation: false,
          scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
          plugins: { legend: { display: false } }
        }
      });
    }
    var overdue = document.getElementById("chart-overdue");
    if (overdue && data.overdue && data.overdue.values.length) {
      new window.Chart(overdue, {
        type: "bar",
        data: {
          labels: data.overdue.labels,
          datasets: [{ label: data.overdue.label, data: data.overdue.values, backgroundColor: COLOURS.late,
                       maxBarThickness: 28 }]
        },
        options: {
          indexAxis: "y", maintainAspectRatio: false, animation: false,
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { title: function (items) { return data.overdue.names[items[0].dataIndex]; } } }
          }
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", drawCharts);

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // htmx swaps in only successful answers. When the server answers with an error (the database
  // briefly down, a stale session) or cannot be reached, say so where the answer would have gone,
  // instead of leaving the page as if nothing had been asked.
  function failed(event, offline) {
    var meta = document.querySelector('meta[name="desk-failed"]');
    var target = event.detail.target;
    if (!meta || !target) return;
    var notice = document.createElement("p");
    notice.className = "notice notice-error";
    notice.setAttribute("role", "alert");
    notice.textContent = offline ? meta.getAttribute("data-offline")
      : meta.getAttribute("content") + " (" + event.detail.xhr.status + ")";
    target.replaceChildren(notice);
  }

  document.addEventListener("htmx:responseError", function (event) { failed(event, false); });
  document.addEventListener("htmx:sendError", function (event) { failed(event, true); });
})();
