import { describe, expect, it } from "vitest";
import type { ConditionContext } from "./conditions";
import type { Delay } from "./definition";
import { delayOutcome, earliestSendTime, endOfQuietHours, inQuietHours, resolveDateProperty } from "./schedule";
import { at, DAY, HOUR, makeEvent, makeFacts, makeProfile, plus } from "./testing.test-helper";
import { localDateTime, nextLocalTime, offsetMs, zonedInstant } from "./zoned-time";

const BERLIN = "Europe/Berlin";
const quiet = { startMin: 21 * 60, endMin: 8 * 60 };

describe("zoned time (Intl only)", () => {
  it("finds the instant of a local time, forward over a spring gap, first of a repeated autumn hour", () => {
    expect(zonedInstant({ year: 2025, month: 1, day: 15 }, 9 * 60, BERLIN).toISOString()).toBe("2025-01-15T08:00:00.000Z");
    expect(zonedInstant({ year: 2025, month: 7, day: 15 }, 9 * 60, BERLIN).toISOString()).toBe("2025-07-15T07:00:00.000Z");
    // 02:30 does not exist on 30 March 2025 in Berlin: it becomes 03:30 CEST.
    expect(zonedInstant({ year: 2025, month: 3, day: 30 }, 150, BERLIN).toISOString()).toBe("2025-03-30T01:30:00.000Z");
    // 02:30 happens twice on 26 October 2025: the first (CEST) wins.
    expect(zonedInstant({ year: 2025, month: 10, day: 26 }, 150, BERLIN).toISOString()).toBe("2025-10-26T00:30:00.000Z");
    expect(zonedInstant({ year: 2025, month: 3, day: 9 }, 8 * 60, "America/New_York").toISOString()).toBe("2025-03-09T12:00:00.000Z");
  });

  it("reads wall clocks and offsets", () => {
    expect(localDateTime(at("2025-03-30T00:59:59Z"), BERLIN)).toMatchObject({ day: 30, hour: 1, minute: 59 });
    expect(localDateTime(at("2025-03-30T01:00:00Z"), BERLIN)).toMatchObject({ day: 30, hour: 3, minute: 0 });
    expect(offsetMs(at("2025-07-01T12:00:00.500Z"), BERLIN)).toBe(2 * HOUR);
    expect(offsetMs(at("2025-07-01T12:00:00Z"), "Asia/Kolkata")).toBe(5.5 * HOUR);
  });

  it("finds the next occurrence of a local time across a DST change", () => {
    // Saturday 22:00 CET before the spring change: next 08:00 is Sunday 08:00 CEST.
    expect(nextLocalTime(at("2025-03-29T21:00:00Z"), 8 * 60, BERLIN).toISOString()).toBe("2025-03-30T06:00:00.000Z");
    expect(nextLocalTime(at("2025-03-30T06:00:00Z"), 8 * 60, BERLIN).toISOString()).toBe("2025-03-30T06:00:00.000Z");
    expect(nextLocalTime(at("2025-10-25T20:00:00Z"), 8 * 60, BERLIN).toISOString()).toBe("2025-10-26T07:00:00.000Z");
  });
});

describe("quiet hours and smart sending", () => {
  it("knows quiet hours in the shop's timezone, wrapping midnight", () => {
    expect(inQuietHours(at("2025-01-15T19:59:00Z"), quiet, BERLIN)).toBe(false); // 20:59 CET
    expect(inQuietHours(at("2025-01-15T20:00:00Z"), quiet, BERLIN)).toBe(true); // 21:00
    expect(inQuietHours(at("2025-01-16T06:59:00Z"), quiet, BERLIN)).toBe(true); // 07:59
    expect(inQuietHours(at("2025-01-16T07:00:00Z"), quiet, BERLIN)).toBe(false); // 08:00
    expect(inQuietHours(at("2025-01-16T03:00:00Z"), { startMin: 60, endMin: 360 }, BERLIN)).toBe(true);
    expect(inQuietHours(at("2025-01-16T07:00:00Z"), { startMin: 60, endMin: 360 }, BERLIN)).toBe(false);
    expect(inQuietHours(at("2025-01-16T03:00:00Z"), { startMin: 0, endMin: 0 }, BERLIN)).toBe(false);
  });

  it("postpones to the end of quiet hours across both DST changes, never earlier", () => {
    expect(endOfQuietHours(at("2025-03-29T22:30:00Z"), quiet, BERLIN).toISOString()).toBe("2025-03-30T06:00:00.000Z");
    expect(endOfQuietHours(at("2025-10-25T22:30:00Z"), quiet, BERLIN).toISOString()).toBe("2025-10-26T07:00:00.000Z");
    const noon = at("2025-03-30T10:00:00Z");
    expect(endOfQuietHours(noon, quiet, BERLIN)).toBe(noon);
  });

  it("waits out the smart-sending window, then quiet hours", () => {
    const base = { quietHours: quiet, timezone: BERLIN, smartSendingHours: 16 };
    const now = at("2025-01-15T10:00:00Z");
    expect(earliestSendTime({ ...base, now, lastMarketingEmailAt: null })).toEqual(now);
    expect(earliestSendTime({ ...base, now, lastMarketingEmailAt: plus(now, -17 * HOUR) })).toEqual(now);
    // Last email at 09:00 UTC: the window ends 01:00 UTC = 02:00 CET, inside quiet hours, so 08:00 CET.
    expect(earliestSendTime({ ...base, now, lastMarketingEmailAt: at("2025-01-15T09:00:00Z") }).toISOString()).toBe("2025-01-16T07:00:00.000Z");
    expect(earliestSendTime({ ...base, smartSendingHours: 0, now, lastMarketingEmailAt: plus(now, -HOUR) })).toEqual(now);
  });
});

describe("delays", () => {
  const start = at("2025-03-01T10:00:00Z");
  const entered = plus(start, 4 * HOUR);
  const conditions = (overrides: Partial<ConditionContext["facts"]> = {}): ConditionContext => ({
    facts: makeFacts(overrides),
    now: entered,
    since: start,
    trigger: makeEvent("Placed Order", start, { orderId: "o1" }, "trigger"),
  });
  const outcome = (wait: Delay, facts: Partial<ConditionContext["facts"]> = {}, now = entered) =>
    delayOutcome(wait, { now, stepEnteredAt: entered, timezone: BERLIN, conditions: { ...conditions(facts), now } });

  it("counts durations from the step or from flow start", () => {
    expect(outcome({ kind: "duration", duration: { amount: 2, unit: "days" }, from: "step" }).at).toEqual(plus(entered, 2 * DAY));
    expect(outcome({ kind: "duration", duration: { amount: 24, unit: "hours" }, from: "flow_start" }).at).toEqual(plus(start, DAY));
    expect(outcome({ kind: "duration", duration: { amount: 90, unit: "minutes" }, from: "step" }).at).toEqual(plus(entered, 90 * 60_000));
  });

  it("waits until a time of day in the shop's timezone", () => {
    // Entered 15:00 CET; 09:00 is tomorrow.
    expect(outcome({ kind: "time_of_day", time: "09:00" }).at.toISOString()).toBe("2025-03-02T08:00:00.000Z");
    expect(outcome({ kind: "time_of_day", time: "18:30" }).at.toISOString()).toBe("2025-03-01T17:30:00.000Z");
  });

  it("waits until a date property, exiting or continuing when it is missing", () => {
    const profile = makeProfile({ expectedNextOrderAt: at("2025-06-10T16:00:00Z"), properties: { birthday: "1990-06-12" } });
    const wait = (property: string, ifMissing: "exit" | "continue"): Delay => ({ kind: "date_property", property, time: "10:00", ifMissing });
    expect(outcome(wait("expectedNextOrderAt", "exit"), { profile }).at.toISOString()).toBe("2025-06-10T08:00:00.000Z");
    expect(outcome(wait("properties.birthday", "exit"), { profile }).at.toISOString()).toBe("1990-06-12T08:00:00.000Z");
    expect(outcome(wait("properties.missing", "exit"))).toEqual({ at: entered, then: "exit", reason: "missing_date_property" });
    expect(outcome(wait("properties.missing", "continue"))).toEqual({ at: entered, then: "continue" });
    // A date that is no real day counts as missing, not as the day it would roll over to.
    const typo = makeProfile({ properties: { birthday: "1990-02-30" } });
    expect(outcome(wait("properties.birthday", "exit"), { profile: typo })).toEqual({ at: entered, then: "exit", reason: "missing_date_property" });
    expect(resolveDateProperty("1990-13-01", {}, "UTC")).toBeNull();
    expect(resolveDateProperty("2025-06-10T16:00:00Z", { offsetDays: -3 }, BERLIN)?.toISOString()).toBe("2025-06-07T16:00:00.000Z");
    expect(resolveDateProperty("2025-06-10", {}, BERLIN)?.toISOString()).toBe("2025-06-09T22:00:00.000Z");
    expect(resolveDateProperty("soon", {}, BERLIN)).toBeNull();
  });

  it("waits the later of a minimum and a multiple of the profile's order gap, from flow start", () => {
    const wait: Delay = { kind: "order_gap", multiple: 1.5, minimum: { amount: 180, unit: "days" } };
    expect(outcome(wait).at).toEqual(plus(start, 180 * DAY));
    expect(outcome(wait, { profile: makeProfile({ averageDaysBetweenOrders: 100 }) }).at).toEqual(plus(start, 180 * DAY));
    expect(outcome(wait, { profile: makeProfile({ averageDaysBetweenOrders: 200 }) }).at).toEqual(plus(start, 300 * DAY));
  });

  it("waits for a matching event plus an offset, giving up at the timeout", () => {
    const wait: Delay = {
      kind: "event",
      event: "Fulfilled Order",
      where: [{ path: "orderId", op: "eq", valueFromTrigger: "orderId" }],
      offset: { amount: 7, unit: "days" },
      timeout: { amount: 30, unit: "days" },
      onTimeout: "exit",
    };
    expect(outcome(wait)).toEqual({ at: plus(entered, 30 * DAY), then: "exit", reason: "event_timeout" });
    const other = makeEvent("Fulfilled Order", plus(start, DAY), { orderId: "o2" });
    const mine = makeEvent("Fulfilled Order", plus(start, 2 * DAY), { orderId: "o1" });
    const later = plus(start, 3 * DAY);
    expect(outcome(wait, { events: [other, mine] }, later)).toEqual({ at: plus(start, 9 * DAY), then: "continue" });
    expect(outcome({ ...wait, onTimeout: "continue" }, { events: [other] }, later)).toEqual({ at: plus(entered, 30 * DAY), then: "continue" });
  });
});
