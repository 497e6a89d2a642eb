/** When things may happen: delays, smart sending and quiet hours, all in the shop's timezone. */
import { matchingEvents, type ConditionContext } from "./conditions";
import type { Delay, Duration } from "./definition";
import { profileView, valueAt } from "./facts";
import { addLocalDays, localDateTime, localMinutes, nextLocalTime, parseLocalDate, parseTimeOfDay, zonedInstant, type LocalDate } from "./zoned-time";

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const DAY_MS = UNIT_MS.days;

/** A duration in ms; a day is 24 h (a DST night makes a "2 days" wait 47 or 49 local hours). */
export function durationMs(duration: Duration): number {
  return duration.amount * UNIT_MS[duration.unit];
}

/** Local quiet window in minutes after midnight; start > end wraps midnight, start === end means none. */
export type QuietHours = { startMin: number; endMin: number };

/** True when the instant falls inside the shop's quiet hours. */
export function inQuietHours(at: Date, quiet: QuietHours, timezone: string): boolean {
  const { startMin, endMin } = quiet;
  if (startMin === endMin) return false;
  const m = localMinutes(at, timezone);
  return startMin < endMin ? m >= startMin && m < endMin : m >= startMin || m < endMin;
}

/** `at` itself outside quiet hours, else the moment they end (postponed, never dropped). */
export function endOfQuietHours(at: Date, quiet: QuietHours, timezone: string): Date {
  return inQuietHours(at, quiet, timezone) ? nextLocalTime(at, quiet.endMin, timezone) : at;
}

/** The earliest instant >= now a marketing email may go: after the smart-sending window, outside quiet hours. */
export function earliestSendTime(input: {
  now: Date;
  lastMarketingEmailAt: Date | null;
  smartSendingHours: number;
  quietHours: QuietHours;
  timezone: string;
}): Date {
  const { now, lastMarketingEmailAt, smartSendingHours } = input;
  let at = now.getTime();
  if (lastMarketingEmailAt && smartSendingHours > 0) {
    at = Math.max(at, lastMarketingEmailAt.getTime() + smartSendingHours * UNIT_MS.hours);
  }
  // Quiet hours only ever push later, so the smart-sending window stays satisfied.
  return endOfQuietHours(new Date(at), input.quietHours, input.timezone);
}

/** Where a delay ends: wait until `at`, then go on or leave the flow. */
export type DelayOutcome = { at: Date; then: "continue" } | { at: Date; then: "exit"; reason: string };

export type DelayContext = {
  now: Date;
  stepEnteredAt: Date;
  timezone: string;
  /** Facts, run start and trigger, as for conditions. */
  conditions: ConditionContext;
};

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A profile date property as a local date (date-only values) or an instant (date-times). */
function readDate(value: unknown): { date: LocalDate } | { instant: Date } | null {
  if (typeof value !== "string") return null;
  // A date-only value that is no real day (a typo in a birthday) is no date at all, never a rolled-over one.
  if (DATE_ONLY.test(value)) {
    const date = parseLocalDate(value);
    return date ? { date } : null;
  }
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : { instant: new Date(time) };
}

/** A date property plus offset days, at a local time when given (date-only values: local midnight). */
export function resolveDateProperty(
  value: unknown,
  options: { offsetDays?: number | undefined; time?: string | undefined },
  timezone: string,
): Date | null {
  const read = readDate(value);
  if (!read) return null;
  const offset = options.offsetDays ?? 0;
  if ("instant" in read && options.time === undefined) return new Date(read.instant.getTime() + offset * DAY_MS);
  const date = "date" in read ? read.date : localDateTime(read.instant, timezone);
  return zonedInstant(addLocalDays(date, offset), options.time ? parseTimeOfDay(options.time) : 0, timezone);
}

function continueAt(at: Date | number): DelayOutcome {
  return { at: new Date(at), then: "continue" };
}

/** When a delay step ends, recomputed from the current facts on every advance (dates may move). */
export function delayOutcome(wait: Delay, ctx: DelayContext): DelayOutcome {
  const started = ctx.conditions.since.getTime();
  switch (wait.kind) {
    case "duration": {
      const from = wait.from === "flow_start" ? started : ctx.stepEnteredAt.getTime();
      return continueAt(from + durationMs(wait.duration));
    }
    case "time_of_day":
      return continueAt(nextLocalTime(ctx.stepEnteredAt, parseTimeOfDay(wait.time), ctx.timezone));
    case "date_property": {
      const value = valueAt(profileView(ctx.conditions.facts.profile), wait.property);
      const at = resolveDateProperty(value, wait, ctx.timezone);
      if (at) return continueAt(at);
      return wait.ifMissing === "exit"
        ? { at: ctx.now, then: "exit", reason: "missing_date_property" }
        : continueAt(ctx.now);
    }
    case "order_gap": {
      const average = ctx.conditions.facts.profile.averageDaysBetweenOrders;
      const gap = Math.max(durationMs(wait.minimum), average === null ? 0 : wait.multiple * average * DAY_MS);
      return continueAt(started + gap);
    }
    case "event": {
      const [first] = matchingEvents(wait.event, wait.where, "flow_start", ctx.conditions);
      if (first) return continueAt(first.occurredAt.getTime() + durationMs(wait.offset));
      const deadline = new Date(ctx.stepEnteredAt.getTime() + durationMs(wait.timeout));
      return wait.onTimeout === "exit" ? { at: deadline, then: "exit", reason: "event_timeout" } : continueAt(deadline);
    }
  }
}
