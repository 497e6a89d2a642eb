// Calendar arithmetic on shop-local days ("YYYY-MM-DD"). Days are labels, not instants: adding one is always the
// next calendar day, whatever the shop's timezone does around a DST change.

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function toUtc(day: string): number {
  const [, y, m, d] = DAY_PATTERN.exec(day) ?? [];
  if (!y) throw new Error(`not a day: ${day}`);
  return Date.UTC(Number(y), Number(m) - 1, Number(d));
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** True for a real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isDay(text: string): boolean {
  if (!DAY_PATTERN.test(text)) return false;
  const ms = toUtc(text);
  return !Number.isNaN(ms) && fromUtc(ms) === text;
}

/** The day `n` days after `day` (before it when n < 0). */
export function addDays(day: string, n: number): string {
  return fromUtc(toUtc(day) + n * DAY_MS);
}

/** Days from `from` to `to`, both counted: 2026-11-01..2026-11-01 is 1. */
export function daysInclusive(from: string, to: string): number {
  return Math.round((toUtc(to) - toUtc(from)) / DAY_MS) + 1;
}

/** Every day from `from` to `to`, oldest first. */
export function dayList(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
