/** Wall-clock arithmetic in an IANA timezone through Intl alone (no tz database of our own), DST-safe. */

export type LocalDate = { year: number; month: number; day: number };
export type LocalDateTime = LocalDate & { hour: number; minute: number; second: number };

const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timezone: string): Intl.DateTimeFormat {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(timezone, f);
  }
  return f;
}

/** The wall-clock reading of an instant in a timezone. */
export function localDateTime(at: Date, timezone: string): LocalDateTime {
  const values: Record<string, number> = {};
  for (const part of format(timezone).formatToParts(at)) {
    if (part.type !== "literal") values[part.type] = Number(part.value);
  }
  return {
    year: values.year ?? 0,
    month: values.month ?? 0,
    day: values.day ?? 0,
    hour: values.hour ?? 0,
    minute: values.minute ?? 0,
    second: values.second ?? 0,
  };
}

/** The timezone's offset from UTC at an instant, in ms (Berlin in summer: +7,200,000). */
export function offsetMs(at: Date, timezone: string): number {
  const l = localDateTime(at, timezone);
  const wholeSeconds = Math.floor(at.getTime() / 1000) * 1000;
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - wholeSeconds;
}

/** Minutes after local midnight. */
export function localMinutes(at: Date, timezone: string): number {
  const l = localDateTime(at, timezone);
  return l.hour * 60 + l.minute;
}

/** The calendar date `days` after a local date. */
/** "YYYY-MM-DD" as a calendar date, or null when no such day exists (2026-02-30, 1990-13-01, 0000-00-00). */
export function parseLocalDate(text: string): LocalDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate() ? { year, month, day } : null;
}

export function addLocalDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant a local date and time (minutes after midnight) happens. A time skipped by a DST jump moves
 * forward by the jump (02:30 on a spring-forward night becomes 03:30); a repeated time takes its first instant.
 */
export function zonedInstant(date: LocalDate, minutes: number, timezone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  // At most one transition lies within a day either side, so these two offsets are the only candidates.
  const before = offsetMs(new Date(wall - DAY_MS), timezone);
  const after = offsetMs(new Date(wall + DAY_MS), timezone);
  const valid = [wall - before, wall - after].filter((t) => offsetMs(new Date(t), timezone) === wall - t);
  if (valid.length > 0) return new Date(Math.min(...valid));
  return new Date(wall - before);
}

/** The first instant at or after `from` whose local time is `minutes` after midnight. */
export function nextLocalTime(from: Date, minutes: number, timezone: string): Date {
  const today = localDateTime(from, timezone);
  for (let days = 0; days <= 2; days++) {
    const candidate = zonedInstant(addLocalDays(today, days), minutes, timezone);
    if (candidate.getTime() >= from.getTime()) return candidate;
  }
  // Unreachable: a local time recurs within two days.
  return zonedInstant(addLocalDays(today, 3), minutes, timezone);
}

/** "HH:MM" as minutes after midnight. */
export function parseTimeOfDay(time: string): number {
  const [h = "0", m = "0"] = time.split(":");
  return Number(h) * 60 + Number(m);
}
