/* The capacity screen's bar charts (templates/production/engineering/capacity.html): per work center,
   load per day or week as bars (red when overloaded) against capacity as a line. The figures come from
   the json_script element #capacity-data; drawn again when htmx replaces the results. */
(function () {
  "use strict";
  var charts = [];

  function draw() {
    var source = document.getElementById("capacity-data");
    if (!source || typeof window.Chart === "undefined") { return; }
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    var data = JSON.parse(source.textContent);
    data.charts.forEach(function (item) {
      var canvas = document.getElementById(item.id);
      if (!canvas) { return; }
      charts.push(new window.Chart(canvas, {
        data: {
          labels: item.labels,
          datasets: [
            { type: "bar", label: data.labels.load, data: item.load,
              backgroundColor: item.overloaded.map(function (o) { return o ? "#dc3545" : "#0d6efd"; }) },
            { type: "line", label: data.labels.capacity, data: item.capacity, borderColor: "#198754",
              backgroundColor: "#198754", stepped: "middle", pointRadius: 0 }
          ]
        },
        options: { animation: false, responsive: true, scales: { y: { beginAtZero: true } },
                   plugins: { legend: { position: "bottom" } } }
      }));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "results") { draw(); }
  });
})();
