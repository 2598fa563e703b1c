// One issue's place on a small map (plain background; tiles only when configured).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var el = document.getElementById("issue-map");
  if (!el) return;
  var fills = {red: "#eb5757", yellow: "#f2c94c", green: "#27ae60"};
  var at = [Number(el.dataset.lat), Number(el.dataset.lon)];
  var map = L.map(el, {minZoom: 3, maxZoom: 19}).setView(at, 16);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {attribution: el.dataset.attribution || "", maxZoom: 19}).addTo(map);
  }
  fetch("/api/units.geojson", {credentials: "same-origin"}).then(function (r) { return r.json(); })
    .then(function (geo) {
      L.geoJSON(geo, {style: {color: "#1d5fbf", weight: 1.5, fillColor: "#dbe7f7", fillOpacity: 0.55}})
        .addTo(map).bringToBack();
    });
  L.circleMarker(at, {radius: 10, color: "#ffffff", weight: 3,
                      fillColor: fills[el.dataset.light] || "#8895a7", fillOpacity: 1}).addTo(map);
  el.dataset.loaded = "1";
});
