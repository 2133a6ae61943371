"use strict";
// The configuration editor: line numbers, problems marked on their line
// (click to go there), a diff against the running configuration before
// applying, warnings (a prompt that tells the old hours), rollback.
let running = "";

function gutter(bad) {
  const n = $("cfg-text").value.split("\n").length;
  const g = $("cfg-gutter");
  g.textContent = "";
  for (let i = 1; i <= n; i++) {
    const s = document.createElement("span");
    s.textContent = i + "\n";
    if (bad && bad.has(i)) { s.className = "bad"; s.dataset.line = i; }
    g.appendChild(s);
  }
  g.scrollTop = $("cfg-text").scrollTop;
}

function goToLine(n) {
  const ta = $("cfg-text"), lines = ta.value.split("\n");
  const start = lines.slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
  ta.focus(); ta.setSelectionRange(start, start + (lines[n - 1] || "").length);
  ta.scrollTop = Math.max(0, (n - 5) * (ta.scrollHeight / lines.length));
}

// A validator problem in the page's language: the template of its stable
// code (kontakt/http/i18n_config.py) filled with its params; the place it
// names ("menu main", "special day ...") with its leading words translated.
const WHAT = Object.keys(L).filter((k) => k.startsWith("cvw_")).map((k) => [k.slice(4), L[k]])
  .sort((a, b) => b[0].length - a[0].length);
function place(what) {
  return String(what).split(/(, |: )/).map((part) => {
    for (const [en, loc] of WHAT) {
      if (part === en || part.startsWith(en + " ")) return loc + part.slice(en.length);
    }
    return part;
  }).join("").replace("(working hours)", L["cvw_(working hours)"] || "(working hours)");
}
function problemText(p) {
  const t = p.code && L["cv_" + p.code];
  if (!t) return (p.code && p.code !== "config.invalid" && L["e_" + p.code]) || p.message || p.reason || "";
  const params = p.params || {};
  return t.replace(/\{(\w+)\}/g, (m, k) => (k in params ? (k === "what" ? place(params[k]) : String(params[k])) : m));
}

function problems(list) {
  const ul = $("cfg-problems"); ul.textContent = "";
  const bad = new Set();
  for (const p of list || []) {
    const li = document.createElement("li");
    const msg = problemText(p);
    li.textContent = p.line ? `${L.line} ${p.line}: ${msg}` : msg;
    if (p.code) li.dataset.code = p.code;
    if (p.line) { bad.add(p.line); li.dataset.line = p.line; li.className = "clickable"; li.onclick = () => goToLine(p.line); }
    ul.appendChild(li);
  }
  gutter(bad);
}

function warnings(list) {
  const ul = $("cfg-warnings"); ul.textContent = "";
  for (const w of list || []) {
    const li = document.createElement("li");
    li.dataset.code = w.code;
    li.textContent = `${L.warning}: ` + (w.code === "config.prompt_mentions_hours"
      ? L.w_prompt_hours.replace("{p}", w.prompt) : w.message);
    ul.appendChild(li);
  }
}

// A line diff (longest common subsequence): "- old", "+ new", context dropped.
function diffLines(a, b) {
  const x = a.split("\n"), y = b.split("\n"), n = x.length, m = y.length;
  if (n * m > 4e6) return [`- (${n})`, `+ (${m})`];
  const t = Array.from({length: n + 1}, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
    t[i][j] = x[i] === y[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { i++; j++; }
    else if (j < m && (i === n || t[i][j + 1] >= t[i + 1][j])) { out.push(`+ ${j + 1}: ${y[j]}`); j++; }
    else { out.push(`- ${i + 1}: ${x[i]}`); i++; }
  }
  return out;
}

async function check() {
  setText("cfg-ok", "");
  const r = await api("POST", "/api/config/check", {text: $("cfg-text").value});
  problems(r.problems); warnings(r.warnings);
  return r;
}

async function loadConfig() {
  const c = await api("GET", "/api/config");
  running = c.text;
  $("cfg-text").value = c.text; setText("cfg-version", c.version ? `v${c.version}` : "");
  gutter();
  const v = await api("GET", "/api/config/versions");
  const ul = $("cfg-versions"); ul.textContent = "";
  for (const x of v.versions) {
    const li = document.createElement("li"), b = document.createElement("button");
    li.textContent = `v${x.version} · ${when(x.replaced_at)} · ${x.by} `;
    li.dataset.version = x.version; li.dataset.id = x.id;
    b.type = "button"; b.textContent = L.rollback;
    b.onclick = async () => {
      try { await api("POST", "/api/config/rollback", {id: x.id}); await loadConfig(); setText("cfg-ok", L.applied); }
      catch (e) { problems((e.details && e.details.problems) || [{message: errText(e)}]); }
    };
    li.appendChild(b); ul.appendChild(li);
  }
}

$("cfg-text").addEventListener("input", () => { gutter(); $("btn-confirm").hidden = true; });
$("cfg-text").addEventListener("scroll", () => { $("cfg-gutter").scrollTop = $("cfg-text").scrollTop; });
$("btn-validate").onclick = async () => {
  try { const r = await check(); if (r.valid) setText("cfg-ok", L.valid); }
  catch (e) { problems([{message: errText(e), line: e.details && e.details.line}]); }
};
// Apply shows the changes first; the second click applies.
$("btn-apply").onclick = async () => {
  try {
    const r = await check();
    if (!r.valid) return;
    const d = diffLines(running, $("cfg-text").value);
    $("cfg-diff-box").hidden = false;
    setText("cfg-diff", d.length ? d.join("\n") : L.no_changes);
    $("btn-confirm").hidden = !d.length;
  } catch (e) { problems([{message: errText(e)}]); }
};
$("btn-confirm").onclick = async () => {
  try {
    await api("POST", "/api/config/apply", {text: $("cfg-text").value});
    $("btn-confirm").hidden = true; $("cfg-diff-box").hidden = true; problems([]);
    await loadConfig();
    setText("cfg-ok", L.applied);
  } catch (e) { problems((e.details && e.details.problems) || [{message: errText(e)}]); }
};
loadConfig().catch((e) => problems([{message: errText(e)}]));
