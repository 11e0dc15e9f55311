// Draws the dashboard's charts with the vendored Apache ECharts (canvas renderer).
// Each <div data-chart="name"> is followed by <script type="application/json" id="chart-name-data">
// written by the server. The page's tables and summaries hold the same numbers for readers
// without JavaScript or without sight of the picture. Tooltips are built as DOM nodes with textContent: no HTML strings, so no
// inline style attributes for the CSP to block and no markup from data.
(function () {
  "use strict";

  var COLOURS = ["#0b5cad", "#1d6b35", "#7a4b00", "#a4161a"];
  // A different marker per line, so the series differ by more than their colour.
  var SYMBOLS = ["circle", "rect", "triangle", "diamond"];
  var INK = "#1b1f24";
  // Below this width the funnel leaves its long labels to the list under it.
  var NARROW_PIXELS = 520;
  var MUTED = "#4a5360";
  var locale = document.documentElement.lang === "en" ? "en-US" : "es-MX";
  var counts = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  var cents = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var pesos = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

  // Money as the server writes it: $1,234.50 MXN.
  function money(value) {
    return (value < 0 ? "-" : "") + "$" + cents.format(Math.abs(value)) + " MXN";
  }

  function axisMoney(value) {
    return (value < 0 ? "-" : "") + "$" + pesos.format(Math.abs(value));
  }

  function valueText(format) {
    return format === "money" ? money : function (value) { return counts.format(value); };
  }

  function axisText(format) {
    return format === "money" ? axisMoney : function (value) { return counts.format(value); };
  }

  function tooltipNode(title, lines) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    heading.textContent = title;
    box.appendChild(heading);
    lines.forEach(function (line) {
      var row = document.createElement("div");
      if (line.colour) {
        var mark = document.createElement("span");
        mark.className = "tooltip-mark";
        mark.style.backgroundColor = line.colour;
        row.appendChild(mark);
      }
      row.appendChild(document.createTextNode(line.text));
      box.appendChild(row);
    });
    return box;
  }

  function axisTooltip(format) {
    var show = valueText(format);
    return {
      trigger: "axis",
      confine: true,
      textStyle: { color: INK },
      formatter: function (params) {
        var items = Array.isArray(params) ? params : [params];
        var title = items.length ? items[0].axisValueLabel || items[0].name : "";
        return tooltipNode(title, items.map(function (item) {
          return { colour: item.color, text: item.seriesName + ": " + show(item.value) };
        }));
      }
    };
  }

  function baseOptions() {
    return {
      animation: false,
      aria: { enabled: false },
      color: COLOURS,
      textStyle: { color: INK, fontFamily: "system-ui, sans-serif" },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true }
    };
  }

  function lineOptions(data) {
    var options = baseOptions();
    options.legend = { top: 0, textStyle: { color: INK } };
    options.tooltip = axisTooltip(data.format);
    options.xAxis = { type: "category", data: data.categories, axisLabel: { color: MUTED } };
    options.yAxis = { type: "value", minInterval: 1, axisLabel: { color: MUTED, formatter: axisText(data.format) } };
    options.series = data.series.map(function (series, index) {
      return {
        type: "line",
        name: series.name,
        data: series.values,
        symbol: SYMBOLS[index % SYMBOLS.length],
        symbolSize: 7
      };
    });
    return options;
  }

  function barOptions(data) {
    var options = baseOptions();
    options.legend = { top: 0, textStyle: { color: INK } };
    options.tooltip = axisTooltip(data.format);
    options.xAxis = { type: "value", axisLabel: { color: MUTED, formatter: axisText(data.format) } };
    options.yAxis = { type: "category", inverse: true, data: data.categories, axisLabel: { color: INK } };
    options.series = data.series.map(function (series, index) {
      return {
        type: "bar",
        name: series.name,
        data: series.values,
        // Net revenue in the brand colour, gross revenue in a lighter blue with a border.
        itemStyle: index === 0 ? {} : { color: "#a9c8ea", borderColor: COLOURS[0], borderWidth: 1 }
      };
    });
    return options;
  }

  // Horizontal bars, first step on top. A second category axis on the right writes each
  // step's count and its rate from the previous step beside its bar (the server formats it).
  // A narrow chart writes only the count: the list under the chart has the whole text.
  function funnelOptions(data, container) {
    var narrow = container.clientWidth < NARROW_PIXELS;
    var options = baseOptions();
    options.tooltip = {
      trigger: "axis",
      confine: true,
      axisPointer: { type: "shadow" },
      textStyle: { color: INK },
      formatter: function (params) {
        var item = (Array.isArray(params) ? params : [params])[0];
        return tooltipNode(item.name, [{ text: data.labels[item.dataIndex] }]);
      }
    };
    options.xAxis = { type: "value", minInterval: 1, axisLabel: { color: MUTED, hideOverlap: true } };
    options.yAxis = [
      { type: "category", inverse: true, data: data.categories, axisLabel: { color: INK } },
      { type: "category", inverse: true, data: data.labels, position: "right", show: !narrow,
        axisLine: { show: false }, axisTick: { show: false }, axisLabel: { color: INK } }
    ];
    options.series = [{
      type: "bar",
      yAxisIndex: 0,
      data: data.values,
      barMaxWidth: 36,
      label: { show: narrow, position: "right", color: INK, formatter: function (item) { return counts.format(item.value); } }
    }];
    return options;
  }

  // The expected line inside two bands: each band is an invisible line at its lower bound and
  // a filled area stacked on it with the band's width.
  function bandOptions(data) {
    var options = baseOptions();
    var show = valueText(data.format);
    // Both series of a band carry its fill as their colour, which the legend's swatch uses.
    function band(name, pairs, stack, fill) {
      return [
        { type: "line", name: name, stack: stack, data: pairs.map(function (pair) { return pair[0]; }),
          lineStyle: { opacity: 0 }, symbol: "none", silent: true, itemStyle: { color: fill } },
        { type: "line", name: name, stack: stack, data: pairs.map(function (pair) { return pair[1] - pair[0]; }),
          lineStyle: { opacity: 0 }, symbol: "none", silent: true, itemStyle: { color: fill },
          areaStyle: { color: fill } }
      ];
    }
    options.legend = {
      top: 0,
      textStyle: { color: INK },
      data: [data.names.predicted, data.names.interval80, data.names.interval95]
    };
    options.tooltip = {
      trigger: "axis",
      confine: true,
      textStyle: { color: INK },
      formatter: function (params) {
        var index = (Array.isArray(params) ? params : [params])[0].dataIndex;
        var pair80 = data.interval80[index];
        var pair95 = data.interval95[index];
        return tooltipNode(data.categories[index], [
          { colour: COLOURS[0], text: data.names.predicted + ": " + show(data.predicted[index]) },
          { text: data.names.interval80 + ": " + show(pair80[0]) + " – " + show(pair80[1]) },
          { text: data.names.interval95 + ": " + show(pair95[0]) + " – " + show(pair95[1]) }
        ]);
      }
    };
    options.xAxis = { type: "category", boundaryGap: false, data: data.categories, axisLabel: { color: MUTED } };
    options.yAxis = { type: "value", axisLabel: { color: MUTED, formatter: axisText(data.format) } };
    options.series = band(data.names.interval95, data.interval95, "band95", "rgba(11, 92, 173, 0.15)")
      .concat(band(data.names.interval80, data.interval80, "band80", "rgba(11, 92, 173, 0.3)"))
      .concat([{ type: "line", name: data.names.predicted, data: data.predicted, symbol: "circle", symbolSize: 7,
        lineStyle: { width: 2, color: COLOURS[0] }, itemStyle: { color: COLOURS[0] }, z: 3 }]);
    return options;
  }

  var BUILDERS = { line: lineOptions, bar: barOptions, funnel: funnelOptions, band: bandOptions };

  function draw(container) {
    var block = document.getElementById(container.id + "-data");
    if (!block) { return null; }
    var data = JSON.parse(block.textContent);
    var build = BUILDERS[data.kind];
    if (!build) { return null; }
    if (data.kind === "bar" || data.kind === "funnel") {
      // One row per category, so long service lists stay readable.
      var rows = (data.categories || []).length;
      container.style.height = Math.max(200, 56 + rows * 44) + "px";
    }
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption(build(data, container));
    return function redraw() {
      chart.resize();
      chart.setOption(build(data, container), true);
    };
  }

  function start() {
    if (!window.echarts) { return; }
    var redraws = [];
    document.querySelectorAll("[data-chart]").forEach(function (container) {
      var redraw = draw(container);
      if (redraw) { redraws.push(redraw); }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        redraws.forEach(function (redraw) { redraw(); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
