/* The supervisor's dashboard: the twelve months' charts (Apache ECharts, vendored), in
   the page's language, drawn as SVG so that they print sharp; the custom months' boxes
   shown as in use when the period is "custom". The data is the page's JSON
   (#dashboard-trend-data): months, and per figure one series per estate; a snapshot
   figure (what stood open at each month's end) has null for a month without one, drawn
   as a gap, never as 0. */
(function () {
  "use strict";

  var picker = document.querySelector(".dashboard-picker");
  if (picker) {
    var period = picker.querySelector("[name=period]");
    var mark = function () { picker.classList.toggle("is-custom", period.value === "custom"); };
    period.addEventListener("change", mark);
    // Typing a month means a custom period.
    picker.querySelectorAll(".dashboard-custom input").forEach(function (input) {
      input.addEventListener("change", function () { period.value = "custom"; mark(); });
    });
    mark();
  }

  var source = document.getElementById("dashboard-trend-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var lang = (document.documentElement.lang || "").toLowerCase();
  var locale = lang.indexOf("zh") === 0 ? "ZH" : "EN";
  var suffix = { rate: " %", hours: " h", score: " / 5", count: "", money: "" };
  var show = function (figure, value) {
    if (value === null || value === undefined) return "—";
    if (figure.unit === "money") return "¥" + Number(value).toLocaleString(lang || undefined, { minimumFractionDigits: 2 });
    return value + suffix[figure.unit];
  };
  var charts = [];

  data.figures.forEach(function (figure) {
    var element = document.querySelector('[data-chart="' + figure.key + '"]');
    if (!element) return;
    var chart = echarts.init(element, null, { renderer: "svg", locale: locale });
    chart.setOption({
      animation: false,
      grid: { left: 44, right: 12, top: 28, bottom: 28 },
      legend: { type: "scroll", top: 0, textStyle: { fontSize: 11 } },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) { return show(figure, value); }
      },
      xAxis: { type: "category", data: data.months, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", min: figure.unit === "rate" ? 0 : null, max: figure.unit === "rate" ? 100 : null,
               minInterval: figure.unit === "count" ? 1 : null, axisLabel: { fontSize: 10 } },
      series: figure.series.map(function (series) {
        return { name: series.name, type: figure.unit === "count" ? "bar" : "line", data: series.data,
                 connectNulls: false, symbolSize: 5 };
      })
    });
    charts.push(chart);
  });

  var resize = function () { charts.forEach(function (chart) { chart.resize(); }); };
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
