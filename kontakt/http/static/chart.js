"use strict";
// Per-day / per-hour call figures as an SVG chart: grouped bars (offered,
// answered, abandoned, rejected) on a left axis of calls, the service level
// as a line on a right axis of percent, labelled periods, a legend.
const SERIES = [["offered", "#90a4ae"], ["answered", "#1565c0"], ["abandoned", "#e53935"],
                ["rejected", "#6a1b9a"]];
const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, text) {
  const n = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
  if (text != null) n.textContent = text;
  return n;
}

function niceMax(v) {
  if (v <= 5) return 5;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function drawChart(box, rows, by) {
  box.textContent = "";
  const W = 640, H = 230, l = 44, r = 44, t = 26, b = 38;
  const svg = svgEl("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", "font-size": "11",
                            id: "w-chart-svg"});
  const max = niceMax(Math.max(1, ...rows.map((x) => x.offered || 0)));
  const pw = W - l - r, ph = H - t - b;
  const y = (v) => t + ph - (ph * v) / max;
  // axes, grid and ticks
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4, yy = y(v);
    svg.appendChild(svgEl("line", {x1: l, x2: W - r, y1: yy, y2: yy, stroke: "#e3e7ec"}));
    svg.appendChild(svgEl("text", {x: l - 4, y: yy + 4, "text-anchor": "end", class: "tick-y"}, Math.round(v)));
    svg.appendChild(svgEl("text", {x: W - r + 4, y: yy + 4, class: "tick-sl"}, `${25 * i} %`));
  }
  svg.appendChild(svgEl("line", {x1: l, x2: l, y1: t, y2: t + ph, stroke: "#52606d"}));
  svg.appendChild(svgEl("line", {x1: l, x2: W - r, y1: t + ph, y2: t + ph, stroke: "#52606d"}));
  svg.appendChild(svgEl("text", {x: 4, y: t - 10, class: "axis-label"}, L.calls_axis));
  svg.appendChild(svgEl("text", {x: W - r - 10, y: t - 10, class: "axis-label"}, L.service_level));
  const n = Math.max(1, rows.length), slot = pw / n, bw = Math.max(1, (slot * 0.8) / SERIES.length);
  const every = Math.ceil(n / 12);  // at most ~12 period labels
  const line = [];
  rows.forEach((row, i) => {
    const x0 = l + i * slot + slot * 0.1;
    SERIES.forEach(([key, color], j) => {
      const v = row[key] || 0;
      const rect = svgEl("rect", {x: x0 + j * bw, y: y(v), width: bw, height: t + ph - y(v),
                                  fill: color, class: "bar-" + key});
      rect.appendChild(svgEl("title", {}, `${row.period} · ${L[key]}: ${v}`));
      svg.appendChild(rect);
    });
    if (row.service_level != null) line.push([l + (i + 0.5) * slot, t + ph - ph * row.service_level]);
    if (i % every === 0) {
      const lab = by === "hour" ? row.period.slice(11, 13) + "h" : row.period.slice(5);
      svg.appendChild(svgEl("text", {x: l + (i + 0.5) * slot, y: t + ph + 14, "text-anchor": "middle",
                                     class: "tick-x"}, lab));
    }
  });
  if (line.length) {
    svg.appendChild(svgEl("polyline", {points: line.map((p) => p.join(",")).join(" "), fill: "none",
                                       stroke: "#2e7d32", "stroke-width": 2, class: "sl-line"}));
  }
  // legend
  let lx = l;
  for (const [key, color] of [...SERIES, ["service_level", "#2e7d32"]]) {
    svg.appendChild(svgEl("rect", {x: lx, y: H - 14, width: 10, height: 10, fill: color}));
    const txt = svgEl("text", {x: lx + 14, y: H - 5, class: "legend"}, L[key]);
    svg.appendChild(txt);
    lx += 24 + 7 * L[key].length;
  }
  if (!rows.length) svg.appendChild(svgEl("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, L.none));
  box.appendChild(svg);
}
