// Statistics charts (Apache ECharts, served from /static/vendor). The page puts its chart data in
// <script type="application/json" id="chart-data"> (data, never executed) and one
// <div class="chart" data-chart="name"> per chart; this file turns each into an ECharts chart.
(function () {
  "use strict";
  var PALETTE = ["#0f4c97", "#d9822b", "#2e9d5b", "#c23531", "#7b5ea7", "#3a9fbf", "#b5a02c", "#8a8a8a"];

  function base(spec) {
    return {
      color: PALETTE, animation: false,
      title: { text: spec.title || "", left: 4, top: 2, textStyle: { fontSize: 14, fontWeight: "normal" } },
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis", confine: true },
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true }
    };
  }

  function series(spec) {
    return (spec.series || []).map(function (s) {
      var out = { name: s.name, type: spec.type, data: s.values };
      if (spec.stack) out.stack = "total";
      if (spec.type === "line") { out.smooth = false; out.symbolSize = 4; }
      return out;
    });
  }

  function cartesian(spec) {
    var opt = base(spec);
    var category = { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } };
    var value = { type: "value", minInterval: 1 };
    opt.legend = { top: 2, right: 8 };
    opt.xAxis = spec.horizontal ? value : category;
    opt.yAxis = spec.horizontal ? category : [value];
    opt.series = series(spec);
    if (spec.line) {
      opt.yAxis.push({ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } });
      opt.series.push({ name: spec.line.name, type: "line", yAxisIndex: 1, data: spec.line.values, symbolSize: 4 });
    }
    if (!spec.horizontal && spec.categories && spec.categories.length > 12) {
      opt.xAxis.axisLabel.rotate = 40;
    }
    return opt;
  }

  function pie(spec) {
    var opt = base(spec);
    opt.legend = { type: "scroll", orient: "vertical", right: 8, top: 40 };
    opt.series = [{ type: "pie", radius: ["35%", "65%"], center: ["40%", "55%"], data: spec.items,
                    label: { formatter: "{b}\n{d}%" } }];
    return opt;
  }

  function render(el, spec) {
    if (!spec || !window.echarts) return;
    var empty = spec.type === "pie" ? !(spec.items && spec.items.length) : !(spec.categories && spec.categories.length);
    if (empty) { el.classList.add("chart-empty"); el.textContent = (spec.title || "") + "：暂无数据"; return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(spec.type === "pie" ? pie(spec) : cartesian(spec));
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var block = document.getElementById("chart-data");
    if (!block) return;
    var data;
    try { data = JSON.parse(block.textContent || "{}"); } catch (e) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) { render(el, data[el.dataset.chart]); });
  });
})();
