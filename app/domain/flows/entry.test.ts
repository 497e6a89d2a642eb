import { describe, expect, it } from "vitest";
import type { FlowDefinition } from "./definition";
import { dateTriggerEvent, engagementTriggerEvent, shouldEnter, type PreviousRun } from "./entry";
import { ABANDONED_CHECKOUT_FLOW, BROWSE_ABANDONMENT_FLOW, POST_PURCHASE_FLOW, SUNSET_FLOW, WELCOME_FLOW } from "./preset-definitions";
import { at, DAY, HOUR, makeEvent, makeFacts, makeProfile, newRun, NO_QUIET, plus } from "./testing.test-helper";

const now = at("2025-05-01T12:00:00Z");
const enter = (definition: FlowDefinition, trigger = makeEvent("Viewed Product", now), previousRuns: PreviousRun[] = [], facts = makeFacts()) =>
  shouldEnter({ definition, trigger, facts, now, previousRuns });
const run = (daysAgo: number, status: PreviousRun["status"], triggerEventId: string | null = "older") => ({
  triggerEventId,
  enteredAt: plus(now, -daysAgo * DAY),
  status,
});

describe("shouldEnter", () => {
  it("needs the trigger event and its filters", () => {
    expect(enter(BROWSE_ABANDONMENT_FLOW)).toEqual({ enter: true });
    expect(enter(WELCOME_FLOW)).toEqual({ enter: false, reason: "trigger_mismatch" });
    expect(enter(POST_PURCHASE_FLOW, makeEvent("Placed Order", now, { orderId: "1", test: true }))).toEqual({ enter: false, reason: "trigger_filters" });
    expect(enter(POST_PURCHASE_FLOW, makeEvent("Placed Order", now, { orderId: "1", test: false }))).toEqual({ enter: true });
  });

  it("ignores stale triggers, so a history import starts no runs", () => {
    expect(enter(BROWSE_ABANDONMENT_FLOW, makeEvent("Viewed Product", plus(now, -25 * HOUR)))).toEqual({ enter: false, reason: "stale_trigger" });
    const patient = { ...BROWSE_ABANDONMENT_FLOW, maxTriggerAgeHours: 48 };
    expect(enter(patient, makeEvent("Viewed Product", plus(now, -25 * HOUR)))).toEqual({ enter: true });
  });

  it("starts at most one run per trigger event, whatever the re-entry rule", () => {
    const trigger = makeEvent("Placed Order", now, { orderId: "1" }, "order-1");
    expect(enter(POST_PURCHASE_FLOW, trigger, [run(0, "completed", "order-1")])).toEqual({ enter: false, reason: "already_triggered" });
    expect(enter(POST_PURCHASE_FLOW, trigger, [run(0, "waiting", "order-0")])).toEqual({ enter: true });
  });

  it("applies the re-entry rules", () => {
    const welcome = makeEvent("Subscribed to Email", now);
    expect(enter(WELCOME_FLOW, welcome, [run(400, "completed")])).toEqual({ enter: false, reason: "reentry" });
    expect(enter(BROWSE_ABANDONMENT_FLOW, undefined, [run(29, "completed")])).toEqual({ enter: false, reason: "reentry" });
    expect(enter(BROWSE_ABANDONMENT_FLOW, undefined, [run(31, "completed")])).toEqual({ enter: true });
    expect(enter(BROWSE_ABANDONMENT_FLOW, undefined, [run(31, "waiting")])).toEqual({ enter: false, reason: "active_run" });
    const checkout = makeEvent("Started Checkout", now, { checkoutToken: "t2" });
    expect(enter(ABANDONED_CHECKOUT_FLOW, checkout, [run(1, "waiting")])).toEqual({ enter: false, reason: "active_run" });
    expect(enter(ABANDONED_CHECKOUT_FLOW, checkout, [run(1, "exited")])).toEqual({ enter: true });
  });

  it("checks flow filters at entry", () => {
    const unsubscribed = makeFacts({ profile: makeProfile({ emailConsent: "unsubscribed" }) });
    const trigger = makeEvent("Became Unengaged", now);
    expect(enter(SUNSET_FLOW, trigger, [], unsubscribed)).toEqual({ enter: false, reason: "flow_filters" });
    expect(enter(SUNSET_FLOW, trigger)).toEqual({ enter: true });
  });
});

describe("startRun", () => {
  it("starts at the start step, dated by the trigger, holdout decided once per flow and profile", () => {
    const trigger = makeEvent("Viewed Product", plus(now, -HOUR), { productId: "9" }, "view-1");
    const state = newRun(BROWSE_ABANDONMENT_FLOW, trigger, now);
    expect(state).toMatchObject({
      status: "waiting",
      stepId: "wait_2_hours",
      startedAt: "2025-05-01T11:00:00.000Z",
      enteredAt: "2025-05-01T12:00:00.000Z",
      trigger: { id: "view-1", properties: { productId: "9" } },
      holdout: false,
      variant: "",
    });
    const all = newRun({ ...BROWSE_ABANDONMENT_FLOW, holdoutPercent: 100 }, trigger, now);
    expect(all.holdout).toBe(true);
    expect(newRun(BROWSE_ABANDONMENT_FLOW, trigger, now, { settings: { ...NO_QUIET, holdoutPercent: 100 } }).holdout).toBe(true);
    // The definition's own share wins over the shop's: the sunset flow never holds out.
    expect(newRun(SUNSET_FLOW, trigger, now, { settings: { ...NO_QUIET, holdoutPercent: 100 } }).holdout).toBe(false);
  });
});

describe("worker-evaluated triggers", () => {
  const birthday = { kind: "date_property", property: "properties.birthday" } as const;
  const profile = (properties: Record<string, string>, firstOrderAt: Date | null = null) => makeProfile({ properties, firstOrderAt });

  it("fires a birthday once, at 09:00 shop time on the day, with an id per year", () => {
    const input = (now: Date, birthdayValue = "1990-05-01") => ({ trigger: birthday, profile: profile({ birthday: birthdayValue }), now, timezone: "Europe/Berlin" });
    expect(dateTriggerEvent(input(at("2025-05-01T06:59:00Z")))).toBeNull();
    const fired = dateTriggerEvent(input(at("2025-05-01T07:00:00Z")));
    expect(fired).toMatchObject({ id: "date:properties.birthday:2025-05-01", name: "Date Property Reached", occurredAt: at("2025-05-01T07:00:00Z") });
    expect(fired?.properties).toMatchObject({ years: 35 });
    expect(dateTriggerEvent(input(at("2025-05-02T06:59:00Z")))?.id).toBe("date:properties.birthday:2025-05-01");
    expect(dateTriggerEvent(input(at("2025-05-02T07:01:00Z")))).toBeNull();
    expect(dateTriggerEvent(input(at("2025-02-28T09:00:00Z"), "2000-02-29"))?.id).toBe("date:properties.birthday:2025-02-28");
    expect(dateTriggerEvent({ ...input(now), profile: profile({}) })).toBeNull();
  });

  it("starts nothing from a date that is no real day, however close a rolled-over one would be", () => {
    const on = (birthdayValue: string, now: Date) => dateTriggerEvent({ trigger: birthday, profile: profile({ birthday: birthdayValue }), now, timezone: "UTC" });
    for (const typo of ["1990-02-30", "1990-13-01", "1990-00-10", "1990-04-31", "1990-05-00"]) {
      for (const day of ["2025-03-02", "2025-02-28", "2025-01-01", "2025-05-01", "2025-04-30"]) expect(on(typo, at(`${day}T09:00:00Z`)), typo).toBeNull();
    }
    expect(on("1990-04-30", at("2025-04-30T09:00:00Z"))?.id).toBe("date:properties.birthday:2025-04-30");
  });

  it("fires first-order anniversaries from the first year on, with an offset", () => {
    const trigger = { kind: "date_property", property: "firstOrderAt", offsetDays: -1, time: "10:00" } as const;
    const first = at("2024-05-02T15:00:00Z");
    const check = (now: Date) => dateTriggerEvent({ trigger, profile: profile({}, first), now, timezone: "Europe/Berlin" });
    expect(check(at("2024-05-01T12:00:00Z"))).toBeNull();
    expect(check(at("2025-05-01T08:30:00Z"))).toMatchObject({ id: "date:firstOrderAt:2025-05-02", occurredAt: at("2025-05-01T08:00:00Z") });
  });

  it("finds the unengaged: enough emails received, no opens, clicks or orders in the window", () => {
    const trigger = SUNSET_FLOW.trigger;
    if (trigger.kind !== "engagement") throw new Error("sunset has an engagement trigger");
    const received = Array.from({ length: 10 }, (_, i) => makeEvent("Received Email", plus(now, -(i + 1) * 10 * DAY)));
    const check = (events = received) => engagementTriggerEvent({ trigger, facts: makeFacts({ events }), now });
    expect(check()).toMatchObject({ id: "engagement:2025-05-01", name: "Became Unengaged", properties: { received: 10 } });
    expect(check(received.slice(1))).toBeNull();
    expect(check([...received, makeEvent("Opened Email", plus(now, -170 * DAY))])).toBeNull();
    expect(check([...received, makeEvent("Opened Email", plus(now, -181 * DAY))])).not.toBeNull();
    expect(check([...received, makeEvent("Placed Order", plus(now, -DAY))])).toBeNull();
  });
});
