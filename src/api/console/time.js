// Times and days as the desk reads them: in the refunds' time zone (REFUND_TIME_ZONE, default
// Asia/Kolkata), whatever the browser's own zone. One clock ticks every second for the whole page:
// it updates every countdown (<time data-countdown>) and calls the views that asked for it.
import { h } from './dom.js';

/** The contract's default. The server does not tell its REFUND_TIME_ZONE yet (contract.json may). */
export const DEFAULT_TIME_ZONE = 'Asia/Kolkata';
let zone = DEFAULT_TIME_ZONE;

/** Uses the server's zone when it names one the browser knows. */
export function useTimeZone(name) {
  if (!name) return;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    zone = name;
  } catch {
    // an unknown zone: keep the default
  }
}

export const timeZone = () => zone;

export function formatTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'medium' });
}

/** "in 23 h", "4 min ago". */
export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 90
      ? [abs, 's']
      : abs < 5400
        ? [Math.round(abs / 60), 'min']
        : abs < 172800
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86400), 'days'];
  return seconds >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

const pad = (n) => String(n).padStart(2, '0');

/** A deadline counting down to the second: "in 2 h 05 min", "in 4 min 09 s", "in 12 s", "passed". */
export function countdownText(iso, now = Date.now()) {
  const seconds = Math.floor((new Date(iso).getTime() - now) / 1000);
  if (!(seconds > 0)) return 'passed';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours >= 48) return `in ${Math.floor(hours / 24)} days ${hours % 24} h`;
  if (hours > 0) return `in ${hours} h ${pad(minutes)} min`;
  if (minutes > 0) return `in ${minutes} min ${pad(seconds % 60)} s`;
  return `in ${seconds} s`;
}

/** Deadlines this close are marked for the desk to chase first. */
export const SOON_MS = 15 * 60_000;

/** A <time> that counts down to `iso`, kept current by the page's clock. */
export function countdown(iso) {
  const el = h('time', { datetime: iso, 'data-countdown': iso, class: 'countdown' });
  updateCountdown(el, Date.now());
  return el;
}

function updateCountdown(el, now) {
  const iso = el.getAttribute('data-countdown');
  const left = new Date(iso).getTime() - now;
  el.textContent = countdownText(iso, now);
  el.classList.toggle('soon', left > 0 && left <= SOON_MS);
  el.classList.toggle('passed', !(left > 0));
}

const listeners = new Set();
let clock = null;

/** Calls `fn(now)` every second until the returned function is called. */
export function everySecond(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function startClock() {
  clock ??= setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-countdown]')) updateCountdown(el, now);
    for (const fn of listeners) fn(now);
  }, 1000);
}

// ---- days in the zone ----
const PARTS = new Map();
function partsOf(instant) {
  let format = PARTS.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    PARTS.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(instant) {
  const p = partsOf(instant);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The day (YYYY-MM-DD) of an instant in the zone. */
export function dayOf(instant) {
  const p = partsOf(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The instant a day (YYYY-MM-DD) starts in the zone. */
export function dayStart(day) {
  const [year, month, date] = day.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, date);
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}

/** The day `n` days after `day` (calendar arithmetic, no zone involved). */
export function addDays(day, n) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + n)).toISOString().slice(0, 10);
}
