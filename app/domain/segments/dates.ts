/** The relative and absolute date bounds of segment conditions, against a given `now` in the shop's timezone. */
import { dayInTimezone } from "../time";
import { parseLocalDate, zonedInstant } from "../flows/zoned-time";

const DAY_MS = 86_400_000;

export type SegmentClock = { now: Date; timezone: string };

/** Lower and upper bounds, each inclusive or not; absent means unbounded. */
export type Bounds<T> = { gte?: T; gt?: T; lte?: T; lt?: T };

/** "YYYY-MM-DD" plus `days` (negative goes back), by the calendar. */
export function shiftDay(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A stored text counts as a day when it starts "YYYY-MM-DD" (a date or an ISO date-time); the day as written. */
export const DAY_PREFIX = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/;

export function dayOf(value: unknown): string | null {
  return typeof value === "string" && DAY_PREFIX.test(value) ? value.slice(0, 10) : null;
}

/** The shop-local day `now` falls on. */
export function todayOf(clock: SegmentClock): string {
  return dayInTimezone(clock.now, clock.timezone);
}

/** Bounds of a date operator on an instant column (lastOrderAt, ...): days are the shop's local days. */
export function instantBounds(op: string, value: unknown, clock: SegmentClock): Bounds<Date> {
  const { now } = clock;
  const daysAgo = (n: number) => new Date(now.getTime() - n * DAY_MS);
  const startOf = (day: string) => zonedInstant(parseLocalDate(day)!, 0, clock.timezone);
  switch (op) {
    case "before":
      return { lt: startOf(String(value)) };
    case "after":
      return { gte: startOf(shiftDay(String(value), 1)) };
    case "in_last_days":
      return { gte: daysAgo(Number(value)), lte: now };
    case "more_than_days_ago":
      return { lt: daysAgo(Number(value)) };
    case "in_next_days":
      return { gte: now, lte: daysAgo(-Number(value)) };
  }
  throw new Error(`not a date operator: ${op}`);
}

/** Bounds of a date operator on a stored day ("YYYY-MM-DD..." custom property), compared as day strings. */
export function dayBounds(op: string, value: unknown, clock: SegmentClock): Bounds<string> {
  const today = todayOf(clock);
  switch (op) {
    case "before":
      return { lt: String(value) };
    case "after":
      return { gt: String(value) };
    case "in_last_days":
      return { gte: shiftDay(today, -Number(value)), lte: today };
    case "more_than_days_ago":
      return { lt: shiftDay(today, -Number(value)) };
    case "in_next_days":
      return { gte: today, lte: shiftDay(today, Number(value)) };
  }
  throw new Error(`not a date operator: ${op}`);
}

/**
 * The latest birthday of someone at least `years` old today: the same month and day, `years` earlier (as text,
 * so Feb 29 compares correctly in any year). Age >= years exactly when birthday <= this day.
 */
export function birthdayCutoff(years: number, clock: SegmentClock): string {
  const today = todayOf(clock);
  const year = Number(today.slice(0, 4)) - years;
  return `${String(year).padStart(4, "0")}${today.slice(4)}`;
}

/** Bounds on a birthday day for an age condition. */
export function ageBounds(op: "gte" | "lte" | "eq", years: number, clock: SegmentClock): Bounds<string> {
  if (op === "gte") return { lte: birthdayCutoff(years, clock) };
  if (op === "lte") return { gt: birthdayCutoff(years + 1, clock) };
  return { lte: birthdayCutoff(years, clock), gt: birthdayCutoff(years + 1, clock) };
}

/** True when a comparable value lies within the bounds. */
export function within<T extends Date | string>(x: T, b: Bounds<T>): boolean {
  const v = (t: T) => (t instanceof Date ? t.getTime() : t);
  const a = v(x);
  return (
    (b.gte === undefined || a >= v(b.gte)) &&
    (b.gt === undefined || a > v(b.gt)) &&
    (b.lte === undefined || a <= v(b.lte)) &&
    (b.lt === undefined || a < v(b.lt))
  );
}
