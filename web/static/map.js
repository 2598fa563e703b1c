// The issue map: the district's units (operator GeoJSON) on a plain background, tiles only
// when configured, issues as points coloured by light and clustered. No external requests.
(function () {
  "use strict";
  function baseMap(el) {
    var map = L.map(el, {minZoom: 3, maxZoom: 19});
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {attribution: el.dataset.attribution || "", maxZoom: 19}).addTo(map);
    }
    return map;
  }
  function popup(p) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = p.href; a.textContent = p.ref; a.className = "ref";
    box.appendChild(a);
    [p.category + " · " + p.status + (p.late ? " · " + p.late : ""), p.summary, p.place]
      .forEach(function (line) {
        if (!line) return;
        var d = document.createElement("div"); d.textContent = line; box.appendChild(d);
      });
    return box;
  }
  function worst(markers) {
    var rank = {red: 3, yellow: 2, green: 1};
    var best = null;
    markers.forEach(function (m) {
      var l = m.options.light;
      if (best === null || (rank[l] || 0) > (rank[best] || 0)) best = l;
    });
    return best || "none";
  }
  window.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el) return;
    var map = baseMap(el);
    var center = JSON.parse(el.dataset.center);
    map.setView(center, Number(el.dataset.zoom));
    var bounds = null;
    fetch("/api/units.geojson", {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (geo) {
        if (!geo.features.length) return;
        var layer = L.geoJSON(geo, {
          style: {color: "#1d5fbf", weight: 1.5, fillColor: "#dbe7f7", fillOpacity: 0.55},
          onEachFeature: function (f, l) {
            var name = (f.properties && f.properties.name) || "";
            if (name) l.bindTooltip(name, {permanent: true, direction: "center", className: "unit-label"});
          }
        }).addTo(map);
        layer.bringToBack();
        bounds = layer.getBounds();
        map.fitBounds(bounds);
      });
    var clusters = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 45,
      iconCreateFunction: function (c) {
        var light = worst(c.getAllChildMarkers());
        return L.divIcon({html: "<span>" + c.getChildCount() + "</span>",
                          className: "cluster cluster-" + light, iconSize: [38, 38]});
      }
    });
    fetch(el.dataset.points, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (data) {
        data.features.forEach(function (f) {
          var p = f.properties;
          var m = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
            radius: 8, color: "#ffffff", weight: 2, fillColor: p.fill, fillOpacity: 0.95,
            light: p.light || "none"
          });
          m.bindPopup(popup(p));
          clusters.addLayer(m);
        });
        map.addLayer(clusters);
        var n = data.features.length;
        document.getElementById("map-count").textContent =
          "有坐标的诉求 " + n + " 件" + (data.truncated ? "（仅显示最新的部分）" : "");
        el.dataset.loaded = String(n);
        if (n && !bounds) map.fitBounds(clusters.getBounds().pad(0.2));
      });
  });
})();
