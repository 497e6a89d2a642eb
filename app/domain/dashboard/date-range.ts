// The period Home shows, read from the URL (?from=YYYY-MM-DD&to=YYYY-MM-DD). Anything the merchant can type into
// the address bar is answered with a usable period and, when the query was not usable, a sentence saying why.
import { addDays, daysInclusive, isDay } from "./days";

/** The quick choices of the picker: the last N days, today included. */
export const RANGE_PRESETS = [7, 30, 90] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const DEFAULT_RANGE_DAYS: RangePreset = 30;
/** A year and a day: enough for year-on-year, small enough that the chart and the sums stay quick. */
export const MAX_RANGE_DAYS = 366;

export type DateRange = { from: string; to: string; days: number; preset: RangePreset | null };
export type RangeChoice = { range: DateRange; notice: string | null };

/** The last `days` days ending `today` (a shop-local day). */
export function lastDays(today: string, days: number): DateRange {
  const from = addDays(today, -(days - 1));
  return { from, to: today, days, preset: (RANGE_PRESETS as readonly number[]).includes(days) ? (days as RangePreset) : null };
}

function rangeOf(from: string, to: string, today: string): DateRange {
  const days = daysInclusive(from, to);
  const preset = to === today && (RANGE_PRESETS as readonly number[]).includes(days) ? (days as RangePreset) : null;
  return { from, to, days, preset };
}

/** What the merchant typed, shortened and stripped of control characters so it can be quoted back safely. */
function quoted(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, "");
  return `“${clean.length > 20 ? `${clean.slice(0, 20)}…` : clean}”`;
}

/**
 * The period for `from`/`to` from the query, `today` being the shop's current day. Neither given: the last 30 days.
 * A missing half, a malformed or impossible date, a start after the end, a range longer than MAX_RANGE_DAYS or
 * one wholly in the future fall back to the last 30 days with a notice; an end after today is cut to today.
 */
export function chooseDateRange(query: { from?: string | null; to?: string | null }, today: string): RangeChoice {
  const from = query.from ?? "";
  const to = query.to ?? "";
  const fallback = (why: string): RangeChoice => ({
    range: lastDays(today, DEFAULT_RANGE_DAYS),
    notice: `${why} Showing the last ${DEFAULT_RANGE_DAYS} days instead.`,
  });
  if (!from && !to) return { range: lastDays(today, DEFAULT_RANGE_DAYS), notice: null };
  if (!from || !to) return fallback("A date range needs both a start and an end date.");
  for (const day of [from, to]) {
    if (!isDay(day)) return fallback(`${quoted(day)} is not a date; dates are written YYYY-MM-DD.`);
  }
  if (from > to) return fallback(`The start date ${from} is after the end date ${to}.`);
  if (from > today) return fallback(`The range ${from} to ${to} has not happened yet.`);
  const end = to > today ? today : to;
  if (daysInclusive(from, end) > MAX_RANGE_DAYS) {
    return fallback(`${from} to ${end} is ${daysInclusive(from, end)} days; a range can be at most ${MAX_RANGE_DAYS} days.`);
  }
  const range = rangeOf(from, end, today);
  return { range, notice: end !== to ? `There are no numbers after today yet, so the range ends today (${today}).` : null };
}

const LABEL = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric", year: "numeric" });
const LABEL_NO_YEAR = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });

/** "Last 30 days", or "Oct 3 – Nov 24, 2026" for a custom range (the year once when both ends share it). */
export function describeRange(range: DateRange): string {
  if (range.preset) return `Last ${range.preset} days`;
  const from = new Date(`${range.from}T00:00:00Z`);
  const to = new Date(`${range.to}T00:00:00Z`);
  if (range.from === range.to) return LABEL.format(from);
  const sameYear = range.from.slice(0, 4) === range.to.slice(0, 4);
  return `${(sameYear ? LABEL_NO_YEAR : LABEL).format(from)} – ${LABEL.format(to)}`;
}
