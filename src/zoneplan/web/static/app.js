// zoneplan line editor: a hand-written SVG map and a panel of per-zone figures.
// No third-party code, no external URL: everything comes from this server's /api.
"use strict";

(() => {
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (sel) => document.querySelector(sel);
  const ACCESS = {
    resident: { text: "open to residents" },
    restricted: { text: "residents stay, nobody moves in" },
    closed: { text: "closed to civilians" },
  };
  // zone colours come with the zones (the plan's colour:, or the default palette)
  const zoneColour = (id) => {
    const f = state.zonesMap && state.zonesMap.features.find((x) => x.properties.id === id);
    return f ? f.properties.colour : "#bbbbbb";
  };
  const PLACE_SIZES = [[200000, 14, 3.6, 700], [50000, 12, 3, 400], [0, 10.5, 2.4, 400]];
  // place names by 2017 population: (at least, font px on screen, dot px, weight)
  const M_PER_DEG_LAT = 110574;
  const W = 1000; // SVG user units across

  const state = {
    plans: [], planId: null, layers: {}, original: {}, lines: {}, undo: [], asOf: "",
    result: null, zonesMap: null, seq: 0, rendered: 0, inflight: false, pending: null,
    dragging: false, error: null, latencies: [], proj: null, selected: null, taken: [],
  };
  // Handles: a dot drawn HANDLE_DOT px across, inside a hit area HANDLE_HIT px across where
  // the pointer is a finger (coarse) or the map is narrow, HANDLE_HIT_FINE with a mouse;
  // handles closer than their hit area on screen are thinned out (kept: first, last, and
  // each next point at least that far from the last kept one).
  const HANDLE_DOT = 11;
  const HANDLE_HIT = 48; // at least 44 px (WCAG 2.5.5) after rounding
  const HANDLE_HIT_FINE = 18;
  const touchy = () => window.matchMedia("(pointer: coarse)").matches
    || mapRect().width < 600;

  // ------------------------------------------------------------------ formatting
  function sig(x, n = 3) {
    if (x === 0) return 0;
    const p = Math.pow(10, n - Math.ceil(Math.log10(Math.abs(x))));
    return Math.round(x * p) / p;
  }
  function people(x) {
    if (x === null || x === undefined) return "—";
    if (Math.abs(x) >= 1e6) return `${sig(x / 1e6, 3).toLocaleString("en-GB")} million`;
    return sig(Math.round(x), 3).toLocaleString("en-GB");
  }
  const num = (x, d = 0) => (x === null || x === undefined ? "—"
    : x.toLocaleString("en-GB", { minimumFractionDigits: d, maximumFractionDigits: d }));
  const pct = (x, d = 1) => (x === null || x === undefined ? "—" : `${num(100 * x, d)}%`);
  const range = (r, f) => (r && f(r[0]) !== f(r[1]) ? ` <span class="range">(range ${f(r[0])}–${f(r[1])})</span>` : "");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  // The page's CSP forbids inline style attributes; colours and widths written as data-*
  // attributes in generated HTML are applied through the CSSOM here.
  function applyStyles(root) {
    root.querySelectorAll("[data-bg],[data-w],[data-op]").forEach((e) => {
      if (e.dataset.bg) e.style.background = e.dataset.bg;
      if (e.dataset.w) e.style.width = `${e.dataset.w}%`;
      if (e.dataset.op) e.style.opacity = e.dataset.op;
    });
    return root;
  }

  // ------------------------------------------------------------------ API
  async function api(path, body) {
    const opts = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const res = await fetch(path, opts);
    let data = null;
    try { data = await res.json(); } catch (e) { data = { detail: { message: res.statusText } }; }
    if (!res.ok) {
      const err = new Error((data.detail && data.detail.message) || res.statusText);
      err.status = res.status; err.detail = data.detail || {};
      throw err;
    }
    return { data, timing: res.headers.get("Server-Timing") };
  }

  // ------------------------------------------------------------------ projection
  // SVG units for a length in screen pixels, so text and symbols keep their size at any width
  // The map's box on screen, read once per task: reading it after the labels changed
  // would lay the page out again for every label tried (drawBase forgets it when the
  // map's viewBox changes).
  let rectKept = null;
  function mapRect() {
    if (!rectKept) {
      rectKept = svg().getBoundingClientRect();
      queueMicrotask(() => { rectKept = null; });
    }
    return rectKept;
  }
  function px(n) {
    const r = mapRect();
    const P = state.proj;
    const s = P && r.width && r.height ? Math.min(r.width / P.width, r.height / P.height) : 1;
    return n / s;
  }
  // hospital symbols: 12 px across on a wide map, 8 px on a phone's
  const hospitalScale = () => (mapRect().width < 600 ? 0.67 : 1);
  function makeProjection(bounds) {
    const [minx, miny, maxx, maxy] = bounds;
    const lat0 = (miny + maxy) / 2;
    const kx = Math.cos((lat0 * Math.PI) / 180) * M_PER_DEG_LAT * 1.00356; // m per degree lon
    const ky = M_PER_DEG_LAT;
    const pad = 20;
    const s = (W - 2 * pad) / ((maxx - minx) * kx); // SVG units per metre
    const h = (maxy - miny) * ky * s + 2 * pad;
    return {
      width: W, height: h, unitsPerMetre: s, kx, ky,
      xy: (lon, lat) => [pad + (lon - minx) * kx * s, pad + (maxy - lat) * ky * s],
      lonlat: (x, y) => [minx + (x - pad) / (kx * s), maxy - (y - pad) / (ky * s)],
    };
  }
  const svg = () => $("#map");
  function toScreen(x, y) {
    const pt = svg().createSVGPoint(); pt.x = x; pt.y = y;
    const p = pt.matrixTransform(svg().getScreenCTM());
    return { x: p.x, y: p.y };
  }
  function fromScreen(cx, cy) {
    const pt = svg().createSVGPoint(); pt.x = cx; pt.y = cy;
    const p = pt.matrixTransform(svg().getScreenCTM().inverse());
    return [p.x, p.y];
  }

  function el(name, attrs = {}, parent = null) {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }
  function ringsPath(geom) {
    const polys = geom.type === "Polygon" ? [geom.coordinates]
      : geom.type === "MultiPolygon" ? geom.coordinates : [];
    let d = "";
    for (const poly of polys) {
      for (const ring of poly) {
        d += ring.map(([lon, lat], i) => {
          const [x, y] = state.proj.xy(lon, lat);
          return `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
        }).join("") + "Z";
      }
    }
    return d;
  }

  // ------------------------------------------------------------------ drawing
  function drawBase(layers) {
    const map = svg();
    map.replaceChildren();
    state.proj = makeProjection(layers.view || layers.bounds);
    const P = state.proj;
    map.setAttribute("viewBox", `0 0 ${P.width} ${P.height.toFixed(1)}`);
    rectKept = null;
    const defs = el("defs", {}, map);
    const clip = el("clipPath", { id: "territory-clip" }, defs);
    el("path", { d: ringsPath(layers.territory.geometry) }, clip);
    for (const [a, p] of Object.entries(layers.patterns || {})) {
      if (!p.svg) continue;
      const pat = el("pattern", { id: `pat-${a}`, width: 8, height: 8, patternUnits: "userSpaceOnUse" }, defs);
      const g = el("g", { fill: p.ink, stroke: p.ink }, pat);
      g.innerHTML = p.svg;
    }
    el("rect", { x: 0, y: 0, width: P.width, height: P.height, class: "ctx-land" }, map);
    const ctx = el("g", { id: "context-layer" }, map);
    for (const f of (layers.context || { features: [] }).features) {
      const k = f.properties.kind;
      if (k === "boundary") continue;
      el("path", { d: ringsPath(f.geometry), class: `ctx-${k}` }, ctx);
    }
    for (const f of (layers.context || { features: [] }).features) {
      if (f.properties.kind !== "boundary") continue;
      el("path", { d: linesPath(f.geometry), class: "ctx-boundary" }, ctx);
    }
    el("path", { d: ringsPath(layers.territory.geometry), class: "territory" }, map);
    el("g", { id: "zones-layer" }, map);
    const cells = el("g", { id: "cells-layer", class: "cells", "clip-path": "url(#territory-clip)" }, map);
    const r = layers.residents;
    const side = r.cell_m * P.unitsPerMetre;
    const dens = layers.density;
    for (let i = 0; i < r.lon.length; i++) {
      const [x, y] = P.xy(r.lon[i], r.lat[i]);
      let k = 0;
      while (k + 1 < dens.bins.length - 1 && r.per_km2[i] >= dens.bins[k + 1]) k++;
      el("rect", { x: (x - side / 2).toFixed(1), y: (y - side / 2).toFixed(1),
        width: side.toFixed(2), height: side.toFixed(2), fill: dens.colours[k] }, cells);
    }
    el("path", { d: ringsPath(layers.territory.geometry), class: "territory-edge" }, map);
    const dmg = el("g", { id: "damage-layer", class: "damage" }, map);
    if (layers.damage) {
      const D = layers.damage;
      const top = Math.max(...D.count, 1);
      // circle area proportional to the structures a point stands for; the largest 9 px
      const order = D.count.map((c, i) => i).sort((a, b) => D.count[b] - D.count[a]);
      for (const i of order) {
        const [x, y] = P.xy(D.lon[i], D.lat[i]);
        const c = el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), "data-k": Math.sqrt(D.count[i] / top).toFixed(4) }, dmg);
        el("title", {}, c).textContent = `${num(D.count[i])} damaged structures (${D.label}${D.date ? ", " + D.date : ""})`;
      }
    }
    el("g", { id: "labels-layer" }, map);
    const hosp = el("g", { id: "hospitals-layer" }, map);
    for (const f of layers.hospitals.features) {
      const [x, y] = P.xy(...f.geometry.coordinates);
      const g = el("g", { class: "hospital", "data-x": x.toFixed(1), "data-y": y.toFixed(1) }, hosp);
      el("rect", { x: -6, y: -6, width: 12, height: 12, rx: 2, class: "casing" }, g);
      el("rect", { x: -4.5, y: -4.5, width: 9, height: 9, rx: 1.5, class: "face" }, g);
      el("path", { d: "M-3 0H3M0 -3V3" }, g);
      el("title", {}, g).textContent = `Hospital: ${f.properties.name || "(no name)"}`;
    }
    el("g", { id: "names-layer" }, map);
    el("g", { id: "lines-layer" }, map);
    el("g", { id: "furniture-layer" }, map);
    sizeSymbols();
    drawNames(layers);
    drawLegend(layers);
  }

  // Hospital symbols and damage circles keep their size in screen pixels: set at every
  // draw and again when the map's width changes
  function sizeSymbols() {
    const s = px(hospitalScale()).toFixed(3);
    for (const g of document.querySelectorAll("#hospitals-layer .hospital")) {
      g.setAttribute("transform", `translate(${g.dataset.x} ${g.dataset.y}) scale(${s})`);
    }
    for (const c of document.querySelectorAll("#damage-layer circle")) {
      c.setAttribute("r", Math.max(px(1.2), px(9) * Number(c.dataset.k)).toFixed(2));
    }
  }

  function linesPath(geom) {
    const lines = geom.type === "LineString" ? [geom.coordinates]
      : geom.type === "MultiLineString" ? geom.coordinates : [];
    return lines.map((ln) => ln.map(([lon, lat], i) => {
      const [x, y] = state.proj.xy(lon, lat);
      return `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
    }).join("")).join("");
  }

  // Place names, crossings, sea and country names, scale bar and north arrow, in screen
  // pixels (redrawn when the map's width changes). Names are placed greedily, largest
  // places first, in the first of eight positions that overlaps nothing placed before.
  function drawNames(layers) {
    const P = state.proj;
    const layer = $("#names-layer");
    layer.replaceChildren();
    const taken = [];
    const names = []; // place and crossing names: a zone's name may push them off
    const free = (b, pass) => taken.every((t) => b.x + b.w < t.x || t.x + t.w < b.x
      || b.y + b.h < t.y || t.y + t.h < b.y || (pass > 0 && t.kind === "line")
      || (pass > 1 && t.kind === "handle"));
    const label = (text, x, y, size, weight, gap, cls, dotEl) => {
      const t = el("text", { class: cls || "place-name", "font-size": px(size).toFixed(2), "font-weight": weight }, layer);
      t.textContent = text;
      const bb = t.getBBox();
      const spots = [];
      for (const far of [1, 1.8, 2.8]) { // eight positions around the dot, then further out
        const g = px(gap) * far;
        spots.push([g, bb.height * 0.35], [-g - bb.width, bb.height * 0.35], [g, -g * 0.6], [g, bb.height + g * 0.3],
          [-g - bb.width, -g * 0.6], [-g - bb.width, bb.height + g * 0.3], [-bb.width / 2, -g], [-bb.width / 2, bb.height + g]);
      }
      // off the lines, handles and symbols; a city's or town's name with no room there
      // may touch a line (never a handle); other names are then left out (the hover
      // title on the dot still names the place)
      for (const pass of size >= 11 ? [0, 1] : [0]) {
        for (const [dx, dy] of spots) {
          const b = { x: x + dx, y: y + dy - bb.height * 0.8, w: bb.width, h: bb.height };
          if (b.x < 0 || b.y < 0 || b.x + b.w > P.width || b.y + b.h > P.height || !free(b, pass)) continue;
          t.setAttribute("x", (x + dx).toFixed(1)); t.setAttribute("y", (y + dy).toFixed(1));
          b.kind = "name";
          taken.push(b);
          names.push({ box: b, el: t, dot: dotEl });
          return true;
        }
      }
      t.remove();
      return false;
    };
    for (const f of (layers.context || { features: [] }).features) {
      const lp = f.properties.label_point;
      if (!lp || ["Gaza Strip", "West Bank"].includes(f.properties.name)) continue;
      const [x, y] = P.xy(...lp);
      const sea = f.properties.kind === "sea";
      const t = el("text", { x: x.toFixed(1), y: y.toFixed(1), class: sea ? "sea-name" : "country-name",
        "font-size": px(sea ? 13 : 12).toFixed(2) }, layer);
      t.textContent = sea ? f.properties.name : f.properties.name.toUpperCase();
      const bb = t.getBBox();
      taken.push({ x: bb.x, y: bb.y, w: bb.width, h: bb.height });
    }
    for (const f of layers.hospitals.features) { // names keep clear of hospital symbols
      const [x, y] = P.xy(...f.geometry.coordinates);
      const r = px(3.5 * hospitalScale()); // the core: a name may touch the casing
      taken.push({ x: x - r, y: y - r, w: 2 * r, h: 2 * r, kind: "hospital" });
    }
    // ... of the chosen line's points (where its handles are drawn) ...
    const dot = px(HANDLE_DOT / 2 + 1);
    const chosen = (state.lines || {})[state.selected] || [];
    for (const i of handleIndices(chosen)) {
      const [x, y] = P.xy(...chosen[i]);
      taken.push({ x: x - dot - px(2), y: y - dot - px(2), w: 2 * dot + px(4), h: 2 * dot + px(4), kind: "handle" });
    }
    // ... and of the lines: a box every few pixels along each line, as wide as its stroke
    const step = px(5); const half = px(3);
    for (const coords of Object.values(state.lines || {})) {
      const pts = coords.map(([lon, lat]) => P.xy(lon, lat));
      for (let k = 0; k + 1 < pts.length; k++) {
        const [[ax, ay], [bx, by]] = [pts[k], pts[k + 1]];
        const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
        for (let j = 0; j <= n; j++) {
          const x = ax + ((bx - ax) * j) / n; const y = ay + ((by - ay) * j) / n;
          taken.push({ x: x - half, y: y - half, w: 2 * half, h: 2 * half, kind: "line" });
        }
      }
    }
    // ... of the crossings' triangles and the scale bar and north arrow
    for (const c of layers.crossings || []) {
      const [x, y] = P.xy(c.lon, c.lat);
      const s = px(6);
      const d = `M${x} ${y - s}L${x + s} ${y + s * 0.8}L${x - s} ${y + s * 0.8}Z`;
      el("path", { d, class: "crossing-casing", "stroke-width": px(4).toFixed(2) }, layer);
      const tri = el("path", { d, class: c.closed ? "crossing closed" : "crossing" }, layer);
      taken.push({ x: x - s, y: y - s, w: 2 * s, h: 1.8 * s });
      el("title", {}, tri).textContent = `${c.name}: ${c.status || "no status"}${c.date ? ` (${c.date})` : ""}`;
    }
    drawFurniture();
    for (const f of $("#furniture-layer").children) {
      const b = f.getBBox();
      taken.push({ x: b.x - px(3), y: b.y - px(3), w: b.width + px(6), h: b.height + px(6) });
    }
    const narrow = mapRect().width < 600;
    const shown = (layers.places || []).filter((p) => !narrow || p.population >= 50000);
    for (const p of shown) {
      const [, size, dot, weight] = PLACE_SIZES.find(([l]) => p.population >= l);
      const [x, y] = P.xy(p.lon, p.lat);
      const c = el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: px(dot).toFixed(2), class: "place-dot" }, layer);
      el("title", {}, c).textContent = `${p.name}: ${num(p.population)} people (2017 census)`;
      taken.push({ x: x - px(dot), y: y - px(dot), w: 2 * px(dot), h: 2 * px(dot),
        kind: p.population < 50000 ? "dot" : "town", el: c });
      p._size = [size, weight, dot]; p._dot = c;
    }
    for (const p of shown) {
      const [x, y] = P.xy(p.lon, p.lat);
      label(p.name, x, y, p._size[0], p._size[1], p._size[2] + 3, undefined, p._dot);
    }
    for (const c of layers.crossings || []) {
      const [x, y] = P.xy(c.lon, c.lat);
      label(`${c.name.replace(" Border Crossing", "").replace(" Crossing", "")} crossing`, x, y, 10, 400, 8, "crossing-name");
    }
    state.taken = taken;
    state.names = names;
  }

  function drawFurniture() {
    const P = state.proj;
    const g = $("#furniture-layer");
    g.replaceChildren();
    const widthM = P.width / P.unitsPerMetre;
    const target = widthM / 4;
    const k = Math.pow(10, Math.floor(Math.log10(target)));
    const len = [5, 2, 1].map((m) => m * k).find((v) => v <= target);
    const L = len * P.unitsPerMetre;
    const x0 = P.width - L - px(70);
    const y0 = P.height - px(22);
    const h = px(6);
    el("rect", { x: x0, y: y0, width: L / 2, height: h, class: "sb-dark" }, g);
    el("rect", { x: x0 + L / 2, y: y0, width: L / 2, height: h, class: "sb-light" }, g);
    [[0, "0"], [L / 2, `${len / 2000}`], [L, `${len / 1000} km`]].forEach(([dx, t]) => {
      const tx = el("text", { x: x0 + dx, y: y0 - px(4), class: "sb-text", "font-size": px(11).toFixed(2) }, g);
      tx.textContent = t;
    });
    const nx = P.width - px(28);
    const ny = P.height - px(60);
    el("path", { d: `M${nx} ${ny - px(26)}L${nx + px(7)} ${ny - px(8)}L${nx - px(7)} ${ny - px(8)}Z`, class: "north" }, g);
    const n = el("text", { x: nx, y: ny + px(6), class: "north-text", "font-size": px(13).toFixed(2) }, g);
    n.textContent = "N";
    el("title", {}, n).textContent = "North (grid north of the map; within 1° of true north here)";
  }

  function swatch(colour, access) {
    const pat = access && state.layers[state.planId].patterns[access];
    const over = pat && pat.svg ? `<rect width="22" height="14" fill="url(#pat-${access})"/>` : "";
    return `<svg class="sw" width="22" height="14" aria-hidden="true"><rect width="22" height="14" fill="${colour}" stroke="#888"/>${over}</svg>`;
  }

  function drawLegend(layers) {
    const r = layers.residents;
    const zones = state.zonesMap ? state.zonesMap.features.map((f) =>
      `<span>${swatch(f.properties.colour, f.properties.access)}${esc(f.properties.label)}</span>`).join("") : "";
    const acc = Object.entries(layers.patterns || {}).map(([a, p]) =>
      `<span>${swatch("#ffffff", a)}${esc(p.words)}</span>`).join("");
    const dens = layers.density.colours.map((c, i) =>
      `<span>${swatch(c)}${esc(layers.density.labels[i])}</span>`).join("");
    $("#legend").innerHTML =
      `<div><b>Zones</b> ${zones}</div><div><b>Civilian access</b> ${acc}</div>` +
      `<div class="dens-legend"><b>Pre-war residents per km²</b> (${esc(num(r.cell_m))} m cells) ${dens}</div>` +
      `<div><span><i class="line-key"></i>line (drag the points)</span>` +
      `<span><i class="hosp-key"></i>hospital</span><span><i class="cross-key"></i>crossing (hollow: closed)</span></div>` +
      (layers.damage ? `<div class="dmg-legend"><span><i class="dmg-key"></i>damaged structures (circle area ∝ count): ${esc(layers.damage.label)}${layers.damage.date ? ", " + esc(layers.damage.date) : ""}</span></div>` : "") +
      `<div class="small">Land, sea and boundaries © OpenStreetMap contributors (ODbL); place names PCBS 2017 census.</div>`;
  }

  function drawZones() {
    const layer = $("#zones-layer");
    const labels = $("#labels-layer");
    layer.replaceChildren(); labels.replaceChildren();
    document.querySelectorAll("#names-layer .hidden-name").forEach((e) => e.classList.remove("hidden-name"));
    if (!state.zonesMap) return;
    const zoneBoxes = [];
    const paths = state.zonesMap.features.map((f) => {
      const p = f.properties;
      const zp = el("path", { d: ringsPath(f.geometry), class: `zone access-${p.access}`,
        fill: p.colour, "data-zone": p.id }, layer);
      if (state.layers[state.planId].patterns[p.access] && state.layers[state.planId].patterns[p.access].svg) {
        el("path", { d: ringsPath(f.geometry), class: "zone-pattern", fill: `url(#pat-${p.access})` }, layer);
      }
      return zp;
    });
    // every zone drawn first: a name that finds no room in its zone goes outside all of them
    const taken = boxIndex(state.taken || [], px(60));
    state.zonesMap.features.forEach((f, i) => {
      const p = f.properties;
      const [x, y] = state.proj.xy(...p.label_point);
      const size = mapRect().width < 600 ? 12.5 : 15;
      const t = el("text", { x: x.toFixed(1), y: y.toFixed(1), class: "zone-label",
        "font-size": px(size).toFixed(2), "data-zone": p.id }, labels);
      t.textContent = p.label.split(" (")[0];
      placeZoneLabel(t, x, y, zoneBoxes, paths[i], paths, taken);
    });
  }

  // Boxes ({x, y, w, h}) in square buckets of a side `cell`: `every(b, test)` is true when
  // `test` holds for every box whose bucket a box b overlaps (the others are far from b).
  function boxIndex(items, cell) {
    const buckets = new Map();
    const keys = (b) => {
      const out = [];
      for (let i = Math.floor(b.x / cell); i <= Math.floor((b.x + b.w) / cell); i++) {
        for (let j = Math.floor(b.y / cell); j <= Math.floor((b.y + b.h) / cell); j++) out.push(`${i} ${j}`);
      }
      return out;
    };
    for (const o of items) {
      for (const k of keys(o)) (buckets.get(k) || buckets.set(k, []).get(k)).push(o);
    }
    return { every: (b, test) => keys(b).every((k) => (buckets.get(k) || []).every(test)) };
  }

  // A zone's name near its label point, inside the map and never over another zone's
  // name, a line, a handle or a symbol: in the first place inside the zone (its middle
  // and one end at least) that overlaps nothing, at full size or smaller; failing that,
  // one where only place names are in the way (they are hidden: a zone's name matters
  // more). Failing that, outside every zone (the sea, the land around) as near as it
  // fits, on a leader to the label point, as the print map does; a name with no place
  // even there is left out (the legend names every zone).
  function placeZoneLabel(t, x, y, boxes, zonePath, allPaths, taken) {
    const P = state.proj;
    const apart = (b, o) => b.x + b.w < o.x || o.x + o.w < b.x || b.y + b.h < o.y || o.y + o.h < b.y;
    const inside = (b) => b.x >= 0 && b.y >= 0 && b.x + b.w <= P.width && b.y + b.h <= P.height;
    // a point in the zone? (kept: the same spots are asked at every size and shape)
    const seen = new Map();
    const inZone = (cx, cy) => {
      const k = (Math.round(cx * 10) + 500000) * 1e6 + Math.round(cy * 10) + 500000;
      let v = seen.get(k);
      if (v === undefined) {
        try { v = zonePath.isPointInFill(new DOMPoint(cx, cy)); } catch (e) { v = true; }
        seen.set(k, v);
      }
      return v;
    };
    // the name on one line, or on two split at the space nearest its middle
    const label = t.textContent;
    const words = label.split(" ");
    let cut = 1;
    for (let i = 1; i < words.length; i++) {
      const d = (k) => Math.abs(words.slice(0, k).join(" ").length - words.slice(k).join(" ").length);
      if (d(i) < d(cut)) cut = i;
    }
    const shapes = words.length > 1 ? [[label], [words.slice(0, cut).join(" "), words.slice(cut).join(" ")]] : [[label]];
    const setText = (rows) => {
      t.replaceChildren();
      rows.forEach((r, i) => {
        const s = el("tspan", { x: 0, dy: i ? "1.1em" : 0 }, t);
        s.textContent = r;
      });
    };
    // near the label point first, then anywhere in the zone (a thin band's middle may
    // be crowded), nearest first; at the full size, then smaller
    const size0 = Number(t.getAttribute("font-size"));
    const zb = zonePath.getBBox();
    const step = px(8);
    const spots = [];
    for (let gy = zb.y; gy <= zb.y + zb.height; gy += step) {
      for (let gx = zb.x; gx <= zb.x + zb.width; gx += step) spots.push([gx - x, gy - y]);
    }
    spots.sort((a, b) => Math.hypot(...a) - Math.hypot(...b));
    spots.unshift([0, 0]);
    const inSpot = new Array(spots.length); // each spot's middle in the zone? asked once
    t.setAttribute("x", 0); t.setAttribute("y", 0);
    // clear of everything; then place names give way (hidden); then small places' dots
    const soft = [new Set(), new Set(["name"]), new Set(["name", "dot"])];
    for (const pass of [0, 1, 2]) {
      for (const scale of [1, 0.85, 0.72]) {
        for (const rows of shapes) {
          setText(rows);
          t.setAttribute("font-size", (size0 * scale).toFixed(2));
          const sb = t.getBBox(); // around (0, 0): the text's own transform is not in it
          const ox = sb.x, oy = sb.y + sb.height / 2; // centre the box on the spot
          for (let i = 0; i < spots.length; i++) {
            const [dx, dy] = spots[i];
            if (inSpot[i] === false) continue;
            const b = { x: x + dx + ox, y: y + dy - sb.height / 2, w: sb.width, h: sb.height };
            if (!inside(b)) continue;
            if (inSpot[i] === undefined) inSpot[i] = inZone(x + dx, y + dy);
            if (!inSpot[i]) continue;
            if (!boxes.every((o) => apart(b, o))) continue;
            if (!taken.every(b, (o) => apart(b, o) || soft[pass].has(o.kind))) continue;
            if (!inZone(b.x + b.w * 0.1, b.y + b.h / 2) && !inZone(b.x + b.w * 0.9, b.y + b.h / 2)) continue;
            t.setAttribute("transform", `translate(${(x + dx).toFixed(1)} ${(y + dy - oy).toFixed(1)})`);
            boxes.push(b);
            if (pass) {
              for (const n of state.names || []) if (!apart(b, n.box)) n.el.classList.add("hidden-name");
              for (const o of state.taken) {
                if (o.kind !== "dot" || apart(b, o)) continue;
                o.el.classList.add("hidden-name"); // a small place under the zone's name
                for (const n of state.names || []) if (n.dot === o.el) n.el.classList.add("hidden-name");
              }
            }
            return;
          }
        }
      }
    }
    // the zone's points a leader may end at: the spots in it, at most 300 of them
    const within = spots.filter(([dx, dy], i) => inSpot[i] ?? inZone(x + dx, y + dy));
    const stride = Math.ceil(within.length / 300) || 1;
    const anchors = within.filter((_, i) => i % stride === 0).map(([dx, dy]) => [x + dx, y + dy]);
    if (placeOnLeader(t, x, y, boxes, anchors.length ? anchors : [[x, y]], allPaths, taken, shapes,
      setText, size0, inside, apart)) return;
    t.remove(); // no room clear of the lines and symbols: the legend names every zone
  }

  // A zone's name outside every zone, on a leader to the nearest of its anchors (points
  // in the zone): the spot nearest the zone, then nearest its label point (x, y), whose
  // box touches no zone, no other zone's name, no line, symbol or place name, within the
  // map and within reach of the zone.
  function placeOnLeader(t, x, y, boxes, anchors, allPaths, taken, shapes, setText, size0, inside, apart) {
    const P = state.proj;
    const step = px(10), gap = px(10), reach = px(150);
    const bbs = allPaths.map((zp) => zp.getBBox());
    const inAnyZone = (cx, cy) => allPaths.some((zp, i) => {
      const z = bbs[i];
      if (cx < z.x || cy < z.y || cx > z.x + z.width || cy > z.y + z.height) return false;
      try { return zp.isPointInFill(new DOMPoint(cx, cy)); } catch (e) { return true; }
    });
    const ax0 = Math.min(...anchors.map((a) => a[0])) - reach, ax1 = Math.max(...anchors.map((a) => a[0])) + reach;
    const ay0 = Math.min(...anchors.map((a) => a[1])) - reach, ay1 = Math.max(...anchors.map((a) => a[1])) + reach;
    const probes = [[0.5, 0.5], [0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0], [0.5, 1], [0, 0.5], [1, 0.5]];
    for (const scale of [0.85, 0.72]) {
      for (const rows of shapes) {
        setText(rows);
        t.setAttribute("font-size", (size0 * scale).toFixed(2));
        const sb = t.getBBox();
        const cands = [];
        for (let by = Math.max(0, ay0); by + sb.height <= Math.min(P.height, ay1 + sb.height); by += step) {
          for (let bx = Math.max(0, ax0 - sb.width); bx + sb.width <= Math.min(P.width, ax1 + sb.width); bx += step) {
            const b = { x: bx, y: by, w: sb.width, h: sb.height };
            if (!boxes.every((o) => apart(b, o)) || !taken.every(b, (o) => apart(b, o))) continue;
            let best = Infinity, end = null;
            for (const [ax, ay] of anchors) {
              const ex = Math.min(Math.max(ax, b.x), b.x + b.w), ey = Math.min(Math.max(ay, b.y), b.y + b.h);
              const d = Math.hypot(ax - ex, ay - ey);
              if (d < best) { best = d; end = [ax, ay, ex, ey]; }
            }
            if (best < gap || best > reach) continue; // a leader long enough to see, not too long
            cands.push({ b, key: best + 0.15 * Math.hypot(b.x + b.w / 2 - x, b.y + b.h / 2 - y), end });
          }
        }
        cands.sort((u, v) => u.key - v.key);
        for (const { b, end } of cands) {
          if (!inside(b) || probes.some(([u, v]) => inAnyZone(b.x + u * b.w, b.y + v * b.h))) continue;
          t.setAttribute("transform", `translate(${(b.x - sb.x).toFixed(1)} ${(b.y - sb.y).toFixed(1)})`);
          boxes.push(b);
          const [ax, ay, ex, ey] = end;
          const leader = el("line", { x1: ax.toFixed(1), y1: ay.toFixed(1), x2: ex.toFixed(1),
            y2: ey.toFixed(1), class: "zone-leader", "stroke-width": px(1.2).toFixed(2),
            "data-zone": t.dataset.zone });
          t.parentNode.insertBefore(leader, t);
          t.classList.add("on-leader");
          return true;
        }
      }
    }
    return false;
  }

  function drawLines() {
    const layer = $("#lines-layer");
    layer.replaceChildren();
    const P = state.proj;
    for (const [id, coords] of Object.entries(state.lines)) {
      const g = el("g", { class: "line", "data-line": id }, layer);
      if (state.error && state.error.line === id) g.classList.add("invalid");
      const d = coords.map(([lon, lat], i) => {
        const [x, y] = P.xy(lon, lat);
        return `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
      }).join("");
      // the print map's colour and dashes for this line, over a casing
      const look = ((state.layers[state.planId] || {}).line_styles || {})[id];
      // (set through the CSSOM: the page's policy refuses style attributes)
      const halo = el("path", { d, class: "halo" }, g);
      const stroke = el("path", { d, class: "stroke" }, g);
      if (look) {
        halo.style.stroke = look.casing;
        stroke.style.stroke = look.colour;
        if (look.dash) stroke.style.strokeDasharray = look.dash.split(" ").map((v) => v * 2).join(" ");
      }
      const hit = el("path", { d, class: "hit" }, g);
      hit.addEventListener("dblclick", (ev) => addVertex(ev, id));
      hit.addEventListener("click", () => selectLine(id));
      if (id !== state.selected) { g.classList.add("unselected"); continue; }
      g.classList.add("selected");
      const hitPx = touchy() ? HANDLE_HIT : HANDLE_HIT_FINE;
      const pts = coords.map(([lon, lat]) => P.xy(lon, lat));
      for (const i of handleIndices(coords)) {
        const [x, y] = pts[i];
        const h = el("g", { class: "handle", "data-index": i }, g);
        const c = el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: px(hitPx / 2).toFixed(2), class: "vertex",
          tabindex: 0, role: "button", "data-line": id, "data-index": i,
          "aria-label": `Point ${i + 1} of ${coords.length}, line ${id}` }, h);
        el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: px(HANDLE_DOT / 2).toFixed(2), class: "vertex-dot" }, h);
        c.addEventListener("pointerdown", (ev) => startDrag(ev, id, i));
        c.addEventListener("contextmenu", (ev) => { ev.preventDefault(); removeVertex(id, i); });
        c.addEventListener("keydown", (ev) => keyMove(ev, id, i));
      }
    }
  }

  // The points of a line that get a handle: the first, each next one at least a hit area
  // away on screen from the last kept, and the last (which displaces a kept neighbour
  // too close to it).
  function handleIndices(coords) {
    const hitPx = touchy() ? HANDLE_HIT : HANDLE_HIT_FINE;
    const pts = coords.map(([lon, lat]) => state.proj.xy(lon, lat));
    const far = (a, b) => Math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]) >= px(hitPx);
    if (!pts.length) return [];
    const keep = [0];
    for (let i = 1; i < pts.length - 1; i++) if (far(i, keep[keep.length - 1])) keep.push(i);
    if (pts.length > 1) {
      if (keep.length > 1 && !far(pts.length - 1, keep[keep.length - 1])) keep.pop();
      keep.push(pts.length - 1);
    }
    return keep;
  }

  function selectLine(id) {
    if (!state.lines[id] || state.selected === id) return;
    state.selected = id;
    $("#line-select").value = id;
    drawNames(state.layers[state.planId]); drawZones(); drawLines();
  }
  function fillLineSelect() {
    const sel = $("#line-select");
    sel.replaceChildren();
    const labels = Object.fromEntries((state.result ? state.result.lines : []).map((l) => [l.id, l.label]));
    for (const id of Object.keys(state.lines)) {
      const o = document.createElement("option");
      o.value = id; o.textContent = labels[id] || id;
      sel.appendChild(o);
    }
    sel.value = state.selected;
    sel.disabled = Object.keys(state.lines).length < 2;
  }

  // Flag the line a 422 was about without rebuilding the elements (a drag may hold them).
  function markLines() {
    document.querySelectorAll("#lines-layer g.line").forEach((g) => {
      g.classList.toggle("invalid", !!state.error && state.error.line === g.dataset.line);
    });
  }

  // ------------------------------------------------------------------ editing
  const snapshot = () => JSON.parse(JSON.stringify(state.lines));
  function pushUndo() {
    state.undo.push(snapshot());
    if (state.undo.length > 200) state.undo.shift();
    updateButtons();
  }
  function updateButtons() {
    $("#undo").disabled = state.undo.length === 0;
    $("#reset").disabled = JSON.stringify(state.lines) === JSON.stringify(state.original);
  }

  function startDrag(ev, id, i) {
    if (ev.button === 2) return;
    if (ev.altKey) { ev.preventDefault(); removeVertex(id, i); return; }
    ev.preventDefault();
    const target = ev.target;
    target.setPointerCapture(ev.pointerId);
    pushUndo();
    state.dragging = true;
    const move = (e) => {
      const [x, y] = fromScreen(e.clientX, e.clientY);
      const [lon, lat] = state.proj.lonlat(x, y);
      state.lines[id][i] = [round6(lon), round6(lat)];
      target.parentNode.querySelectorAll("circle").forEach((c) => {
        c.setAttribute("cx", x.toFixed(1)); c.setAttribute("cy", y.toFixed(1));
      });
      redrawLinePaths(id);
      request(false, performance.now());
    };
    const up = (e) => {
      target.removeEventListener("pointermove", move);
      target.removeEventListener("pointerup", up);
      target.removeEventListener("pointercancel", up);
      state.dragging = false;
      if (e.type === "pointerup") move(e);
      request(true, performance.now());
      drawLines(); updateButtons(); drawNames(state.layers[state.planId]); drawZones();
    };
    target.addEventListener("pointermove", move);
    target.addEventListener("pointerup", up);
    target.addEventListener("pointercancel", up);
  }
  const round6 = (v) => Math.round(v * 1e6) / 1e6;

  function redrawLinePaths(id) {
    const g = document.querySelector(`#lines-layer g[data-line="${CSS.escape(id)}"]`);
    if (!g) return;
    const d = state.lines[id].map(([lon, lat], i) => {
      const [x, y] = state.proj.xy(lon, lat);
      return `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
    }).join("");
    g.querySelectorAll("path").forEach((p) => p.setAttribute("d", d));
  }

  function addVertex(ev, id) {
    ev.preventDefault();
    const [x, y] = fromScreen(ev.clientX, ev.clientY);
    const pts = state.lines[id].map(([lon, lat]) => state.proj.xy(lon, lat));
    let best = 0; let bestD = Infinity;
    for (let k = 0; k < pts.length - 1; k++) {
      const d = segDist(x, y, pts[k], pts[k + 1]);
      if (d < bestD) { bestD = d; best = k; }
    }
    pushUndo();
    const [lon, lat] = state.proj.lonlat(x, y);
    state.lines[id].splice(best + 1, 0, [round6(lon), round6(lat)]);
    drawLines(); updateButtons(); request(true, performance.now());
  }
  function segDist(x, y, a, b) {
    const dx = b[0] - a[0]; const dy = b[1] - a[1];
    const l2 = dx * dx + dy * dy;
    const t = l2 ? Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / l2)) : 0;
    return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
  }
  function removeVertex(id, i) {
    if (state.lines[id].length <= 2) { showStatus("A line needs at least two points."); return; }
    pushUndo();
    state.lines[id].splice(i, 1);
    drawLines(); updateButtons(); request(true, performance.now());
  }
  function keyMove(ev, id, i) {
    const step = ev.shiftKey ? 1000 : 100;
    const dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (ev.key === "Delete" || ev.key === "Backspace") { ev.preventDefault(); removeVertex(id, i); return; }
    if (!dirs[ev.key]) return;
    ev.preventDefault();
    pushUndo();
    const [dx, dy] = dirs[ev.key];
    const [lon, lat] = state.lines[id][i];
    state.lines[id][i] = [round6(lon + (dx * step) / state.proj.kx), round6(lat + (dy * step) / state.proj.ky)];
    drawLines(); updateButtons(); request(true, performance.now());
    const c = document.querySelector(`#lines-layer circle[data-line="${CSS.escape(id)}"][data-index="${i}"]`);
    if (c) c.focus();
  }
  function undo() {
    if (!state.undo.length) return;
    state.lines = state.undo.pop();
    drawLines(); updateButtons(); request(true, performance.now());
  }
  function reset() {
    pushUndo();
    state.lines = JSON.parse(JSON.stringify(state.original));
    drawLines(); updateButtons(); request(true, performance.now());
  }

  // ------------------------------------------------------------------ updates
  // One request in flight at a time; while it runs, only the newest wanted state is kept
  // (last one wins). During a drag: central figures only (no ranges); on release: exact.
  function request(exact, t0) {
    state.pending = { lines: snapshot(), exact, t0, seq: ++state.seq };
    pump();
  }
  async function pump() {
    if (state.inflight || !state.pending) return;
    const job = state.pending; state.pending = null; state.inflight = true;
    showMode(job.exact ? "updating (with ranges)…" : "dragging: fast figures…");
    try {
      const { data, timing } = await api("/api/evaluate",
        { plan: state.planId, lines: job.lines, ranges: job.exact, fast: !job.exact, map: true,
          as_of: state.asOf || null });
      if (job.seq > state.rendered) {
        state.rendered = job.seq;
        state.result = data; state.zonesMap = data.map; state.error = null;
        hideError(); drawZones(); markLines(); renderPanel(job.exact);
        const ms = performance.now() - job.t0;
        const server = timing ? parseFloat((timing.match(/dur=([\d.]+)/) || [])[1]) : null;
        state.latencies.push({ kind: job.exact ? "exact" : "fast", ms, server_ms: server, seq: job.seq });
        showStatus(`Updated ${Math.round(ms)} ms after the edit (server ${server === null ? "?" : Math.round(server)} ms).`);
      }
    } catch (err) {
      if (job.seq > state.rendered) {
        state.rendered = job.seq;
        state.error = { message: err.message, suggestion: err.detail && err.detail.suggestion,
          line: (err.detail && err.detail.line) || Object.keys(job.lines)[0] || null };
        markLines(); showError(); renderPanel(job.exact, true);
      }
    } finally {
      state.inflight = false;
      if (state.pending) pump(); else if (!state.dragging) showMode(null);
    }
  }

  function showError() {
    const box = $("#line-error");
    const e = state.error;
    box.innerHTML = `<b>This line cannot be used.</b> ${esc(e.message)}` +
      (e.suggestion ? `<br><span>${esc(e.suggestion)}</span>` : "");
    box.hidden = false;
    const coords = e.line && state.lines[e.line];
    const wrap = $("#map-wrap").getBoundingClientRect();
    let x = wrap.width / 2; let y = 40;
    const m = svg().getBoundingClientRect();
    const inside = (p) => p.x >= m.left && p.x <= m.right && p.y >= m.top && p.y <= m.bottom;
    const shown = (coords || []).map((c) => toScreen(...state.proj.xy(...c))).filter(inside);
    if (shown.length) { // next to the line: beside its middle visible point
      const p = shown[Math.floor(shown.length / 2)];
      x = p.x - wrap.left; y = p.y - wrap.top;
    } else { // the line is off the map: top left corner of the map
      x = m.left - wrap.left - 6; y = m.top - wrap.top + 8;
    }
    box.style.left = `${Math.max(8, Math.min(x + 14, wrap.width - 300))}px`;
    box.style.top = `${Math.max(8, Math.min(y, wrap.height - 120))}px`;
  }
  function hideError() { $("#line-error").hidden = true; }
  function showStatus(text) { $("#plan-meta").dataset.status = text; renderMeta(); }
  function showMode(text) { state.modeText = text; renderMode(); }

  // ------------------------------------------------------------------ panel
  function renderMeta() {
    const p = state.plans.find((q) => q.id === state.planId);
    const status = $("#plan-meta").dataset.status || "";
    const asOf = state.result && state.result.plan && state.result.plan.as_of;
    const facts = asOf && p && asOf !== p.date ? ` · facts as of ${asOf}` : "";
    $("#plan-meta").textContent = p ? `${p.status}, ${p.date}${facts} · ${p.kind} plan. ${status}` : status;
  }
  function renderMode(exact) {
    if (exact !== undefined) state.lastExact = exact;
    const fast = state.lastExact === false;
    const text = fast
      ? "Fast approximate figures while dragging: central case only, no low–high ranges, cells cut by the line shared on a lattice of points (finer population grids summed into 250 m blocks). Release the point to get the exact figures with ranges."
      : "Exact figures, with low–high ranges over the line variants and population spreads.";
    const stale = state.error ? " The figures below are for the last line that could be used." : "";
    $("#mode").textContent = text + stale + (state.modeText ? ` (${state.modeText})` : "");
    $("#mode").classList.toggle("fast", fast);
  }

  function renderPanel(exact, stale = false) {
    const d = state.result;
    if (!d) return;
    $("#plan-title").textContent = d.plan.title;
    renderMeta();
    renderMode(exact);
    $("#panel").classList.toggle("stale", stale);
    const zones = d.zones;
    const bar = (shares, label) => {
      const segs = zones.map((z, k) => {
        const v = shares[k] || 0;
        return v > 0 ? `<span class="seg" data-w="${(100 * v).toFixed(2)}" data-bg="${zoneColour(z.id)}" title="${esc(z.label)}: ${pct(v)}">${v >= 0.08 ? pct(v, 0) : ""}</span>` : "";
      }).join("");
      return `<div class="bar-row"><span class="bar-label">${label}</span><div class="bar">${segs}</div></div>`;
    };
    const baseTotal = zones.reduce((a, z) => a + (z.residents_baseline || 0), 0);
    $("#bars").innerHTML = `<h3>Share of land and of people, by zone</h3>` +
      bar(zones.map((z) => z.share_of_territory), "Land") +
      bar(zones.map((z) => (baseTotal ? z.residents_baseline / baseTotal : 0)), "People before (pre-war)") +
      bar(zones.map((z) => z.share_of_residents), "People under the plan");
    const sphere = d.standards.find((s) => s.id === "sphere-camp-area");
    $("#zones").innerHTML = zones.map((z) => {
      const r = z.ranges || {};
      const m2 = z.m2_per_person;
      const meets = z.standards["sphere-camp-area"];
      const std = sphere ? `${num(sphere.value)} ${esc(sphere.unit)}` : "45 m² per person";
      return `<section class="zone-card" data-zone="${esc(z.id)}">
        <h3>${swatch(zoneColour(z.id), z.access)}${esc(z.label)}</h3>
        <p class="sub">${esc(z.access)} (${esc(ACCESS[z.access].text)}) · ${esc(z.controller)}</p>
        <dl>
          <dt>Area</dt><dd data-key="area_km2" data-value="${z.area_km2}">${num(z.area_km2, 1)} km² · ${pct(z.share_of_territory)} of the territory${range(r.area_km2, (v) => num(v, 1) + " km²")}</dd>
          <dt>Residents under the plan</dt><dd data-key="residents" data-value="${z.residents}">${people(z.residents)} people · ${pct(z.share_of_residents)}${range(r.residents, people)}</dd>
          <dt>Residents before (pre-war)</dt><dd data-key="residents_baseline" data-value="${z.residents_baseline}">${people(z.residents_baseline)} people</dd>
          <dt>Land per person</dt><dd>${m2 === null ? `— <span class="why">${esc(z.null_reasons.m2_per_person || "")}</span>` : `${num(m2, 0)} m² per person`} (Sphere camp standard: at least ${std}${meets === null ? "" : meets ? "; met" : "; not met"})${range(r.m2_per_person, (v) => num(v, 0) + " m²")}</dd>
          <dt>Hospitals</dt><dd>${z.hospitals === null ? "—" : num(z.hospitals)}</dd>
          <dt>Residents within 1 km of the line</dt><dd>${people(z.residents_within_1km_of_line)} people${range(r.residents_within_1km_of_line, people)}</dd>
          <dt>Security forces per 1,000 residents</dt><dd>${z.forces_per_1000 === null ? `— <span class="why">${esc(z.null_reasons.forces_per_1000 || "")}</span>` : `${num(z.forces_per_1000, 1)} per 1,000`}</dd>
          <dt>Displaced out / in</dt><dd>${people(z.displaced_out)} / ${people(z.displaced_in)} people</dd>
          <dt>Width</dt><dd data-key="width_km" data-value="${z.width_km}">${z.width_km === null ? `— <span class="why">${esc(z.null_reasons.width_km || "")}</span>` : `${num(z.width_km, 1)} km (median across its long axis)`}${range(r.width_km, (v) => num(v, 1) + " km")}</dd>
          ${damageRow(z, d)}
          ${aidRow(z)}
        </dl></section>`;
    }).join("");
    applyStyles($("#bars")); applyStyles($("#zones"));
    const t = d.totals;
    const lines = d.lines.map((l) => `<li>${esc(l.label)}: ${num(l.length_in_territory_km, 1)} km in the territory; ${people(l.residents_within_1km)} people within 1 km</li>`).join("");
    $("#totals").innerHTML = `<h3>Whole territory</h3><dl>
      <dt>Area</dt><dd>${num(t.area_km2, 1)} km²</dd>
      <dt>Residents (modelled total)</dt><dd>${people(d.population.modelled_total)} people</dd>
      <dt>People who would have to leave closed zones</dt><dd data-key="displaced_out" data-value="${t.displaced_out}">${people(t.displaced_out)} people${range(t.ranges && t.ranges.displaced_out, people)}</dd>
      ${t.damage_share_without_reconstruction === null || t.damage_share_without_reconstruction === undefined ? "" : `<dt>Damaged structures where no reconstruction is planned</dt><dd>${pct(t.damage_share_without_reconstruction)} of ${num(t.damaged_structures)}${t.damage_date ? ` (as of ${esc(t.damage_date)})` : ""}</dd>`}
      </dl><ul class="lines">${lines}</ul>`;
  }

  function damageRow(z, d) {
    if (z.damaged_structures === null || z.damaged_structures === undefined) return "";
    const when = d.totals.damage_date ? `, as of ${esc(d.totals.damage_date)}` : "";
    return `<dt>Damaged structures</dt><dd data-key="damaged_structures" data-value="${z.damaged_structures}">${num(z.damaged_structures)} · ${pct(z.damage_share)} of all · ${num(z.damage_per_km2, 0)} per km²${when}</dd>`;
  }

  function aidRow(z) {
    if (z.crossings_open === null || z.crossings_open === undefined) return "";
    const via = z.aid_through_closed_zone === true ? "; every open crossing lies in or opens into a zone closed to civilians"
      : z.aid_through_closed_zone === false ? "; aid need not pass through a closed zone" : "";
    const dist = z.crossing_distance_median_m === null ? "" :
      `; residents a median ${num(z.crossing_distance_median_m / 1000, 1)} km (90th percentile ${num(z.crossing_distance_p90_m / 1000, 1)} km) from the nearest open crossing`;
    return `<dt>Aid crossings</dt><dd data-key="crossings_open" data-value="${z.crossings_open}">${num(z.crossings_open)} open into the zone${via}${dist}</dd>`;
  }

  // ------------------------------------------------------------------ plans, save, export
  async function loadPlans(select) {
    const { data } = await api("/api/plans");
    state.plans = data.plans;
    state.saveDir = data.save_dir;
    const sel = $("#plan-select");
    sel.replaceChildren();
    for (const kind of ["start", "built-in", "saved"]) {
      const group = state.plans.filter((p) => p.kind === kind);
      if (!group.length) continue;
      const og = document.createElement("optgroup");
      og.label = { start: "Opened with", "built-in": "Built-in plans", saved: "Saved in " + data.save_dir }[kind];
      for (const p of group) {
        const o = document.createElement("option");
        o.value = p.id; o.textContent = `${p.id} — ${p.title}`;
        og.appendChild(o);
      }
      sel.appendChild(og);
    }
    if ((data.skipped || []).length) {
      const og = document.createElement("optgroup");
      og.label = "Not opened (in " + data.save_dir + ")";
      for (const s of data.skipped) {
        const o = document.createElement("option");
        o.disabled = true; o.value = ""; o.textContent = `${s.file} — ${s.note}`;
        og.appendChild(o);
      }
      sel.appendChild(og);
    }
    sel.value = select || data.start;
    return sel.value;
  }

  async function openPlan(id) {
    state.planId = id;
    $("#plan-select").value = id;
    if (!state.layers[id]) state.layers[id] = (await api(`/api/layers?plan=${encodeURIComponent(id)}`)).data;
    drawBase(state.layers[id]);
    const t0 = performance.now();
    const { data } = await api("/api/evaluate",
      { plan: id, lines: {}, ranges: true, map: true, as_of: state.asOf || null });
    state.original = {};
    for (const l of data.lines) state.original[l.id] = l.geometry.coordinates.map(([x, y]) => [x, y]);
    state.lines = JSON.parse(JSON.stringify(state.original));
    state.undo = []; state.error = null; state.result = data; state.zonesMap = data.map;
    state.rendered = state.seq;
    state.selected = Object.keys(state.lines)[0] || null;
    fillLineSelect(); drawNames(state.layers[id]);
    hideError(); drawZones(); drawLines(); updateButtons(); renderPanel(true);
    drawLegend(state.layers[id]);
    showStatus(`Loaded in ${Math.round(performance.now() - t0)} ms.`);
    document.body.dataset.ready = "1";
  }

  function openSave() {
    const p = state.plans.find((q) => q.id === state.planId);
    const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    $("#save-id").value = `${state.planId}-edited-${today}`;
    $("#save-title").value = `${p ? p.title : state.planId} (line redrawn)`;
    $("#save-msg").textContent = `Saves into ${state.saveDir}.`;
    $("#save-dialog").showModal();
  }
  async function doSave(ev, overwrite = false) {
    if (ev) ev.preventDefault();
    const body = { plan: state.planId, lines: state.lines, id: $("#save-id").value.trim(),
      title: $("#save-title").value.trim(), note: $("#save-note").value.trim() || null, overwrite };
    try {
      const { data } = await api("/api/save", body);
      $("#save-dialog").close();
      await loadPlans(data.id);
      await openPlan(data.id);
      showStatus(`Saved as ${data.path}${data.overwritten ? " (replaced)" : ""}.${data.note ? ` Note: ${data.note}.` : ""}`);
      state.lastSave = data;
    } catch (err) {
      if (err.status === 409 && !overwrite && err.message.includes("exists")
          && window.confirm(`A plan file ${body.id}.yaml exists in the save folder. Replace it?`)) {
        return doSave(null, true);
      }
      $("#save-msg").textContent = err.message + (err.detail && err.detail.suggestion ? ` — ${err.detail.suggestion}` : "");
    }
    return null;
  }

  function exportGeoJSON() {
    const d = state.result;
    if (!d) return;
    const byId = Object.fromEntries(d.zones.map((z) => [z.id, z]));
    const keys = ["area_km2", "share_of_territory", "residents", "residents_baseline", "share_of_residents",
      "m2_per_person", "hospitals", "residents_within_1km_of_line", "forces_per_1000"];
    const features = (state.zonesMap ? state.zonesMap.features : []).map((f) => ({
      type: "Feature", geometry: f.geometry,
      properties: { kind: "zone", id: f.properties.id, label: f.properties.label, access: f.properties.access,
        ...Object.fromEntries(keys.map((k) => [k, byId[f.properties.id] ? byId[f.properties.id][k] : null])) },
    }));
    for (const [id, coords] of Object.entries(state.lines)) {
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: coords },
        properties: { kind: "line", id, plan: state.planId } });
    }
    const fc = { type: "FeatureCollection", name: `${state.planId}-edited`, features,
      properties: { plan: state.planId, units: "area_km2: km²; residents: people; m2_per_person: m² per person; shares: fraction 0-1",
        note: "Zone polygons simplified to 5 m for drawing; figures from zoneplan (not rounded)." } };
    const url = URL.createObjectURL(new Blob([JSON.stringify(fc)], { type: "application/geo+json" }));
    const a = document.createElement("a");
    a.href = url; a.download = `${state.planId}-edited.geojson`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ------------------------------------------------------------------ start
  window.zoneplanMap = {
    project(lon, lat) { return toScreen(...state.proj.xy(lon, lat)); },
    unproject(x, y) { return state.proj.lonlat(...fromScreen(x, y)); },
    state, get latencies() { return state.latencies; }, get result() { return state.result; },
    get layers() { return state.layers[state.planId]; },
    idle() { return !state.inflight && !state.pending; },
    setLine(id, coords) { // for scripts and tests: replace a line as one undoable edit
      pushUndo(); state.lines[id] = coords.map(([x, y]) => [x, y]);
      drawLines(); updateButtons(); request(true, performance.now());
    },
  };

  async function start() {
    $("#undo").addEventListener("click", undo);
    $("#reset").addEventListener("click", reset);
    $("#save").addEventListener("click", openSave);
    $("#export").addEventListener("click", exportGeoJSON);
    $("#save-form").addEventListener("submit", (ev) => doSave(ev));
    $("#save-cancel").addEventListener("click", () => $("#save-dialog").close());
    $("#plan-select").addEventListener("change", (ev) => openPlan(ev.target.value));
    $("#line-select").addEventListener("change", (ev) => selectLine(ev.target.value));
    $("#as-of").addEventListener("change", (ev) => {
      state.asOf = ev.target.value; // "" = the plan's own date
      request(true, performance.now());
    });
    document.addEventListener("keydown", (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === "z") { ev.preventDefault(); undo(); }
    });
    $("#show-damage").addEventListener("change", (ev) => {
      svg().classList.toggle("damage-on", ev.target.checked);
      $("#legend").classList.toggle("damage-on", ev.target.checked);
    });
    $("#show-residents").addEventListener("change", (ev) => {
      svg().classList.toggle("residents-on", ev.target.checked);
      $("#legend").classList.toggle("residents-on", ev.target.checked);
    });
    window.addEventListener("resize", () => { if (state.error) showError(); });
    // the map's box changes with the window and with the panel beside it: symbols keep
    // their pixel size at every change, names and handles are placed again at a larger one
    let lastW = 0;
    new ResizeObserver(() => {
      if (!state.planId || !state.proj) return;
      sizeSymbols();
      const w = svg().getBoundingClientRect().width;
      if (Math.abs(w - lastW) > 20) {
        lastW = w; drawNames(state.layers[state.planId]); drawZones(); drawLines();
      }
    }).observe(svg());
    try {
      const id = await loadPlans();
      await openPlan(id);
    } catch (err) {
      $("#plan-title").textContent = "Could not load the plan";
      $("#plan-meta").textContent = err.message;
    }
  }
  start();
})();
