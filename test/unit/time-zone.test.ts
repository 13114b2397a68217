// Days in the desk's time zone: Asia/Kolkata (no daylight saving, +05:30) and a zone with it.
import { dateIn, lastDays, startOfDate } from '../../src/api/time-zone';

test('Kolkata: a day starts at 18:30 UTC the day before', () => {
  expect(new Date(startOfDate('Asia/Kolkata', '2026-12-07')).toISOString()).toBe('2026-12-06T18:30:00.000Z');
  expect(dateIn('Asia/Kolkata', Date.parse('2026-12-06T18:29:59Z'))).toBe('2026-12-06');
  expect(dateIn('Asia/Kolkata', Date.parse('2026-12-06T18:30:00Z'))).toBe('2026-12-07');
});

test('the last days, oldest first, each from its local midnight to the next', () => {
  const days = lastDays('Asia/Kolkata', 3, Date.parse('2026-12-06T20:00:00Z'));
  expect(days.map((d) => [d.date, new Date(d.from).toISOString(), new Date(d.to).toISOString()])).toEqual([
    ['2026-12-05', '2026-12-04T18:30:00.000Z', '2026-12-05T18:30:00.000Z'],
    ['2026-12-06', '2026-12-05T18:30:00.000Z', '2026-12-06T18:30:00.000Z'],
    ['2026-12-07', '2026-12-06T18:30:00.000Z', '2026-12-07T18:30:00.000Z'],
  ]);
});

test('a day with a daylight-saving change is 23 or 25 hours long', () => {
  const [spring] = lastDays('Europe/Berlin', 1, Date.parse('2026-03-29T12:00:00Z'));
  expect((spring.to - spring.from) / 3_600_000).toBe(23);
  const [autumn] = lastDays('Europe/Berlin', 1, Date.parse('2026-10-25T12:00:00Z'));
  expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
});
