// widen's map (see plugins/widen_map.py): one marker per point with its listing count, exact and
// approximate places drawn differently, a bundled outline under the tiles so it works offline.
const cfg = window.WIDEN_MAP;

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const PRECISION = {
  exact: "exact place (the source's own coordinates)",
  postcode: "approximate: the centre of its ZIP code",
  city: "approximate: the centre of its city",
};

function when(row) {
  const start = row.next_start || row.start;
  if (!start) return "";
  if (/^\d{4}-\d\d-\d\d$/.test(start)) {
    return new Date(start + "T12:00:00Z").toLocaleDateString("en-US", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric" });
  }
  const opts = { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short" };
  try {
    return new Date(start).toLocaleString("en-US", { ...opts, timeZone: row.timezone || undefined });
  } catch (e) {
    return new Date(start).toLocaleString("en-US", opts);
  }
}

const CSS = `
#widen-map { height: 400px; margin: 0.4em 0 1em; background: #cfe3f0; }
#widen-map-box #widen-map { height: 20em; margin: 0; }
#widen-map-box p { margin: 0.3em 0 1em; }
.widen-pin { display: inline-block; box-sizing: border-box; width: 100%; height: 100%; min-width: 14px; min-height: 14px;
  border-radius: 50%; font: bold 12px/24px sans-serif; text-align: center; vertical-align: middle; }
.widen-pin.exact { background: #4e79a7; color: #fff; border: 2px solid #fff; box-shadow: 0 0 0 1px #4e79a7; }
.widen-pin.approximate { background: rgba(242, 142, 43, 0.25); color: #8a4b00; border: 2px dashed #d9730d; }
.widen-map-legend { font-size: 0.85em; margin: 0.2em 0 0.5em; }
#widen-map .leaflet-control-attribution { font-size: 10px; }
.widen-map-legend .widen-pin { width: 12px; height: 12px; min-width: 12px; min-height: 12px; }
.widen-map-list { padding-left: 1.1em; margin: 0.3em 0 0; max-height: 14em; overflow-y: auto; }
`;

// Datasette's row URLs tilde-encode the primary key (datasette.utils.tilde_encode).
const tildeEncode = (s) => Array.from(new TextEncoder().encode(String(s)), (b) => {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9_-]/.test(c) ? c : b === 32 ? "+" : "~" + b.toString(16).toUpperCase().padStart(2, "0");
}).join("");

function loadCss(href) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.appendChild(link);
}

// Listings at the same point (to about 10 m) become one group.
function groups(rows) {
  const byPoint = new Map();
  for (const row of rows) {
    const lat = parseFloat(row[cfg.lat]);
    const lon = parseFloat(row[cfg.lon]);
    if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) continue;
    const key = lat.toFixed(4) + "," + lon.toFixed(4);
    if (!byPoint.has(key)) byPoint.set(key, { lat, lon, rows: [], approximate: false });
    const g = byPoint.get(key);
    g.rows.push(row);
    if ((row.geo_precision || "city") !== "exact") g.approximate = true;
  }
  return [...byPoint.values()];
}

function popup(g) {
  const shown = g.rows.slice(0, 15);
  const items = shown.map((r) => {
    const card = location.pathname.replace(/\/$/, "") + "/" + tildeEncode(r.id);
    const place = [r.venue, r.address, r.city].filter(Boolean).join(", ");
    return `<li><a href="${esc(card)}">${esc(r.title)}</a><br><small>${esc([when(r), place].filter(Boolean).join(" · "))}</small></li>`;
  });
  const more = g.rows.length > shown.length ? `<li>and ${g.rows.length - shown.length} more</li>` : "";
  const precisions = [...new Set(g.rows.map((r) => r.geo_precision || "city"))];
  const note = precisions.map((p) => PRECISION[p] || p).join("; ");
  const head = g.rows.length > 1 ? `<strong>${g.rows.length} listings at this point</strong><br>` : "";
  return `${head}<em class="widen-map-precision">${esc(note)}</em><ul class="widen-map-list">${items.join("")}${more}</ul>`;
}

function pin(n, approximate) {
  const cls = approximate ? "approximate" : "exact";
  const size = n > 1 ? 28 : 18;
  return L.divIcon({
    className: "",
    html: `<span class="widen-pin ${cls}" title="${n} listing${n > 1 ? "s" : ""}, ${cls}">${n > 1 ? n : ""}</span>`,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}

function marker(g) {
  const n = g.rows.length;
  const m = L.marker([g.lat, g.lon], { icon: pin(n, g.approximate), title: `${n} listing${n > 1 ? "s" : ""}` });
  m.widen = g;
  return m.bindPopup(popup(g), { maxWidth: 320 });
}

// A cluster counts listings (not points) and is drawn approximate when any of its places is.
function clusterIcon(cluster) {
  const groups = cluster.getAllChildMarkers().map((m) => m.widen);
  return pin(groups.reduce((n, g) => n + g.rows.length, 0), groups.some((g) => g.approximate));
}

async function outline(map) {
  const [world, states] = await Promise.all(
    ["countries-110m.json", "states-10m.json"].map((f) => fetch(cfg.base + f).then((r) => r.json()))
  );
  const style = { color: "#9a9a9a", weight: 1, fillColor: "#f3f0e8", fillOpacity: 1 };
  // The 1:110m USA polygon covers the Great Lakes; the states (1:10m, cut at the shore) draw it.
  const countries = topojson.feature(world, world.objects.countries);
  countries.features = countries.features.filter((f) => f.id !== "840");
  L.geoJSON(countries, { style, interactive: false }).addTo(map);
  L.geoJSON(topojson.feature(states, states.objects.states), { style, interactive: false }).addTo(map);
}

// Below the map rather than on it: the side column's map is too small to cover.
function legend(el) {
  const p = document.createElement("p");
  p.className = "widen-map-legend";
  p.innerHTML = '<span class="widen-pin exact"></span> exact place · <span class="widen-pin approximate"></span> approximate (ZIP or city centre) · a number: how many listings';
  el.parentNode.insertBefore(p, el.nextSibling);
}

function tiles(map) {
  if (!cfg.tiles) {
    map.attributionControl.addAttribution("Outline: Natural Earth, US Census");
    return;
  }
  const layer = L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: cfg.attribution }).addTo(map);
  let failed = false;
  layer.on("tileerror", () => {
    if (failed) return;
    failed = true; // offline, or the tile server refused: the outline below is the map
    map.removeLayer(layer);
    map.attributionControl.addAttribution("Offline outline: Natural Earth, US Census");
  });
}

async function rowsOfThisView() {
  const params = new URLSearchParams(location.search);
  ["_next", "_view", "_size", "_col", "_nocol", "_shape"].forEach((p) => params.delete(p));
  params.set("_shape", "objects");
  params.set("_size", "max");
  params.set("_nofacet", "1");
  params.set("_nocount", "1");
  params.set(`${cfg.lat}__notblank`, "1");
  for (const c of ["title", "start", "next_start", "timezone", "venue", "address", "city", cfg.lat, cfg.lon, "geo_precision"]) {
    params.append("_col", c);
  }
  const r = await fetch(location.pathname.replace(/\/$/, "") + ".json?" + params.toString());
  if (!r.ok) return [];
  return (await r.json()).rows || [];
}

async function main() {
  if (!cfg) return;
  const rows = await rowsOfThisView();
  const points = groups(rows);
  if (!points.length) return;
  let el = document.getElementById("widen-map");
  if (!el) {
    el = document.createElement("div");
    el.id = "widen-map";
    const table = document.querySelector(".table-wrapper") || document.querySelector("table.rows-and-columns");
    if (!table) return;
    table.parentNode.insertBefore(el, table);
  }
  el.hidden = false;
  const box = document.getElementById("widen-map-box");
  if (box) box.hidden = false;
  const style = document.createElement("style");
  style.textContent = CSS;
  document.head.appendChild(style);
  const summary = document.getElementById("widen-map-summary");
  if (summary) {
    const approx = points.filter((g) => g.approximate).reduce((n, g) => n + g.rows.length, 0);
    summary.textContent = `${rows.length} listing${rows.length === 1 ? "" : "s"} with a place at ${points.length} point${points.length === 1 ? "" : "s"}` + (approx ? `; ${approx} placed approximately` : "");
  }
  loadCss(datasette.leaflet.CSS_URL);
  await import(datasette.leaflet.JAVASCRIPT_URL);
  loadCss(cfg.base + "MarkerCluster.css");
  await import(cfg.base + "topojson-client.min.js");
  await import(cfg.base + "leaflet.markercluster.js");
  const map = L.map(el, { zoomControl: true, worldCopyJump: true });
  const markers = L.markerClusterGroup({ iconCreateFunction: clusterIcon, maxClusterRadius: 30, showCoverageOnHover: false });
  markers.addLayers(points.map(marker));
  map.fitBounds(markers.getBounds().pad(0.2), { maxZoom: 13 });
  await outline(map).catch(() => null);
  tiles(map);
  markers.addTo(map);
  legend(el);
  el.dataset.markers = String(points.length);
}

main();
