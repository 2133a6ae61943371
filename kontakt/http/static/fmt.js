"use strict";
// Shared formatting for the work pages: local times (Europe/Belgrade),
// ages, department names in the page's script, history lines.
const TZ = "Europe/Belgrade";
const LOCALE = {"sr-Cyrl": "sr-Cyrl-RS", "sr-Latn": "sr-Latn-RS", "en": "en-GB"}[BOOT.lang] || "sr-Cyrl-RS";
const _dt = new Intl.DateTimeFormat(LOCALE, {timeZone: TZ, year: "numeric", month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false});

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return isNaN(d) ? iso : _dt.format(d);
}
function age(iso) {
  if (!iso) return "—";
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

let _deps = null;
async function departmentsById() {
  if (!_deps) {
    const res = await api("GET", "/api/departments");
    _deps = Object.fromEntries(res.departments.map((d) => [d.id, d]));
  }
  return _deps;
}
function depLabel(d) {
  if (!d) return L.no_department;
  return {"en": d.name_en, "sr-Latn": d.name_latn}[BOOT.lang] || d.name;
}
function depName(id) {
  if (!id) return L.no_department;
  return _deps && _deps[id] ? depLabel(_deps[id]) : id;
}

// One history row as a person reads it: "12.03.2026. 10:15 · Марко · прослеђен служби Водовод".
function historyLine(e, people) {
  const who = (people && people[e.actor]) || e.actor;
  let what = label("a_", e.action);
  const d = e.details || {};
  if (e.action === "forwarded") what += " " + depName(d.department);
  else if (e.action === "assigned") what += " " + ((people && people[d.assignee]) || d.assignee);
  else if (e.new_status && e.new_status !== e.old_status) what += ": " + label("s_", e.new_status);
  const note = e.comment ? `${e.comment} (${d.for_citizen ? L.to_citizen : L.internal_note})` : "";
  return [when(e.at), who, what, note].filter(Boolean).join(" · ");
}

// Serbian Cyrillic to Latin, letter by letter (as kontakt/http/i18n.py to_latin).
const _LAT = Object.fromEntries([..."абвгдђежзијклмнопрстћуфхцчш"].map((c, i) =>
  [c, ["a","b","v","g","d","đ","e","ž","z","i","j","k","l","m","n","o","p","r","s","t","ć","u","f","h","c","č","š"][i]]));
Object.assign(_LAT, {"љ": "lj", "њ": "nj", "џ": "dž"});
function toLatin(text) {
  return [...(text || "")].map((ch) => {
    const low = ch.toLowerCase(), lat = _LAT[low];
    if (!lat) return ch;
    return ch === low ? lat : lat[0].toUpperCase() + lat.slice(1);
  }).join("");
}
