/** Days as a desk counts them: in REFUND_TIME_ZONE (default Asia/Kolkata), not in UTC. */

export const DEFAULT_TIME_ZONE = 'Asia/Kolkata';

/** Whether the runtime knows the zone (an IANA name such as Asia/Kolkata). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date (YYYY-MM-DD) of an instant in the zone. */
export function dateIn(zone: string, at: number): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );
}

/** The instant a date (YYYY-MM-DD) starts in the zone: its local midnight, daylight saving included. */
export function startOfDate(zone: string, date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const midnightUtc = Date.UTC(y, m - 1, d);
  // The zone's offset near that midnight, read twice: a change of offset on that day moves it.
  let start = midnightUtc - offsetAt(zone, midnightUtc);
  start = midnightUtc - offsetAt(zone, start);
  return start;
}

/** The last `count` dates in the zone, oldest first, with the instants they start and end. */
export function lastDays(zone: string, count: number, now = Date.now()): { date: string; from: number; to: number }[] {
  const today = dateIn(zone, now);
  const todayStart = startOfDate(zone, today);
  const days: { date: string; from: number; to: number }[] = [];
  let to = startOfDate(zone, dateIn(zone, todayStart + 36 * 3_600_000));
  for (let i = 0, from = todayStart; i < count; i += 1) {
    const date = dateIn(zone, from);
    days.unshift({ date, from, to });
    to = from;
    from = startOfDate(zone, dateIn(zone, from - 12 * 3_600_000));
  }
  return days;
}

/** How far the zone's clock is ahead of UTC at an instant (ms). */
function offsetAt(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return local - Math.floor(at / 1000) * 1000;
}
