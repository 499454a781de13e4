// 医保基金智能监管平台: charts from JSON endpoints (ECharts, vendored; no inline scripts, CSP 'self').
(function () {
  "use strict";

  var BUILDERS = {
    batches: function (data) {
      return {
        animation: false,
        color: ["#0b3d91", "#b3261e"],
        tooltip: { trigger: "axis" },
        legend: { data: ["已入库", "失败"], top: 0, right: 10 },
        grid: { left: 48, right: 20, top: 48, bottom: 36 },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", minInterval: 1, name: "批次数" },
        series: [
          { name: "已入库", type: "bar", stack: "n", barMaxWidth: 40, data: data.committed },
          { name: "失败", type: "bar", stack: "n", barMaxWidth: 40, data: data.failed }
        ]
      };
    }
  };

  function renderChart(el) {
    if (!window.echarts || el.dataset.rendered) { return; }
    el.dataset.rendered = "1";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    fetch(el.dataset.chartUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        var build = BUILDERS[el.dataset.chartKind];
        chart.setOption(build ? build(data) : data);
        // A JSON endpoint may return a full ECharts option (no builder); "empty" marks no data.
        if (build ? (!data.days || data.days.length === 0) : data.empty) {
          chart.setOption({ title: { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#5f6b7a" } } });
        }
        el.dataset.loaded = "1";
      })
      .catch(function () {
        chart.setOption({ title: { text: "图表数据加载失败", left: "center", top: "middle" } });
        el.dataset.loaded = "error";
      });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    document.querySelectorAll("[data-chart-url]").forEach(renderChart);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", init);
})();
