// The 大屏 draws itself from /api/screen.json and redraws every 30 s without reloading the
// page. Text goes in through textContent only: nothing from the ledger is parsed as HTML.
(function () {
  "use strict";
  var REFRESH_MS = 30000;
  var charts = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function link(href, text, cls) {
    var a = el("a", cls, text);
    a.href = href;
    return a;
  }
  function replace(parent, children) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    children.forEach(function (c) { parent.appendChild(c); });
  }

  function cards(list) {
    replace(document.getElementById("cards"), list.map(function (c) {
      var box = c.href ? link(c.href, null, "card " + c.tone) : el("div", "card " + c.tone);
      box.id = "card-" + c.key;
      box.appendChild(el("div", "label", c.label));
      box.appendChild(el("div", "num" + (c.value.length > 5 ? " small" : ""), c.value));
      if (c.hint) box.title = c.hint;
      return box;
    }));
  }

  function issueRow(i, withLate) {
    var li = el("li", i.light ? "l-" + i.light : "");
    var top = el("div", "row-top");
    top.appendChild(link(i.href, i.ref, "ref"));
    var cat = el("span", "cat", i.category);
    cat.style.setProperty("--fam", i.family_color);
    top.appendChild(cat);
    top.appendChild(el("span", withLate ? "late" : "when", withLate ? i.late : i.created));
    li.appendChild(top);
    li.appendChild(el("div", "row-text", (i.place ? i.place + " · " : "") + i.summary));
    return li;
  }

  function lists(d) {
    var red = document.getElementById("red");
    replace(red, d.red.length ? d.red.map(function (i) { return issueRow(i, true); })
      : [el("li", "empty", "没有超时的诉求")]);
    document.getElementById("red-total").textContent = "共 " + d.red_total + " 件";
    replace(document.getElementById("feed"), d.feed.length
      ? d.feed.map(function (i) { return issueRow(i, false); }) : [el("li", "empty", "暂无诉求")]);
  }

  function units(d) {
    document.getElementById("units-title").textContent = "各" + d.units_level + "本月情况";
    document.getElementById("units-col").textContent = d.units_level;
    var body = document.querySelector("#units tbody");
    replace(body, d.units.map(function (u) {
      var tr = el("tr");
      var name = el("td"); name.appendChild(link(u.href_all, u.name)); tr.appendChild(name);
      var rec = el("td"); rec.appendChild(link(u.href, u.received)); tr.appendChild(rec);
      [u.ack_rate, u.resolve_rate, u.satisfaction_rate].forEach(function (v) {
        tr.appendChild(el("td", null, v));
      });
      var red = el("td", u.red ? "bad" : ""); red.appendChild(link(u.href_red, u.red)); tr.appendChild(red);
      var yel = el("td", u.yellow ? "warn" : ""); yel.appendChild(link(u.href_yellow, u.yellow)); tr.appendChild(yel);
      return tr;
    }));
  }

  var TEXT = "#e8eef8", MUTED = "#b8c7de", GRID = "#2a4a78";
  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) {
      charts[id] = echarts.init(document.getElementById(id), null, {renderer: "svg"});
      charts[id].on("click", function (p) { if (p.data && p.data.href) location.href = p.data.href; });
    }
    return charts[id];
  }
  function trend(t) {
    var c = chart("trend");
    if (!c) return;
    function series(name, values, color) {
      return {name: name, type: "line", symbolSize: 7, lineStyle: {width: 3},
              itemStyle: {color: color}, animation: false,
              data: values.map(function (v, k) { return {value: v, href: t.links[k]}; })};
    }
    c.setOption({
      textStyle: {color: TEXT, fontSize: 16},
      grid: {left: 44, right: 28, top: 36, bottom: 34},
      legend: {data: ["收到", "办结"], textStyle: {color: TEXT, fontSize: 16}, top: 0},
      tooltip: {trigger: "axis"},
      // Every other day, counted back from today: the last day is always labelled.
      xAxis: {type: "category", data: t.days,
              axisLabel: {color: MUTED, fontSize: 14,
                          interval: function (k) { return (t.days.length - 1 - k) % 2 === 0; }},
              axisLine: {lineStyle: {color: GRID}}},
      yAxis: {type: "value", minInterval: 1, axisLabel: {color: MUTED, fontSize: 14},
              splitLine: {lineStyle: {color: GRID}}},
      series: [series("收到", t.received, "#7cb7ff"), series("办结", t.resolved, "#7ee2a0")]
    });
  }
  function cats(list) {
    var c = chart("cats");
    if (!c) return;
    var rows = list.slice().reverse();
    c.setOption({
      textStyle: {color: TEXT, fontSize: 16},
      grid: {left: 110, right: 48, top: 8, bottom: 8},
      xAxis: {type: "value", show: false, minInterval: 1},
      yAxis: {type: "category", data: rows.map(function (r) { return r.name + "（" + r.family + "）"; }),
              axisLabel: {color: TEXT, fontSize: 15}, axisLine: {show: false}, axisTick: {show: false}},
      series: [{type: "bar", barMaxWidth: 22, animation: false,
                label: {show: true, position: "right", color: TEXT, fontSize: 15},
                data: rows.map(function (r) {
                  return {value: r.value, href: r.href, itemStyle: {color: r.color_dark, borderRadius: 4}};
                })}]
    }, true);
  }

  function draw(d) {
    document.getElementById("now").textContent = d.now;
    cards(d.cards);
    lists(d);
    units(d);
    trend(d.trend);
    cats(d.categories);
    document.body.dataset.drawn = d.now;
  }

  function refresh() {
    fetch("/api/screen.json", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) { document.getElementById("stale").hidden = true; draw(d); })
      .catch(function () { document.getElementById("stale").hidden = false; });
  }

  window.addEventListener("DOMContentLoaded", function () {
    draw(JSON.parse(document.getElementById("screen-data").textContent));
    setInterval(refresh, REFRESH_MS);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    window.suqiuScreenRefresh = refresh;  // tests trigger a refresh instead of waiting 30 s
  });
})();
