import { describe, expect, it } from "vitest";
import { compare, evaluateCondition, matchesFilters, type ConditionContext } from "./conditions";
import type { Condition } from "./definition";
import { at, DAY, makeEvent, makeFacts, makeProfile, plus } from "./testing.test-helper";

const start = at("2025-03-01T10:00:00Z");
const trigger = makeEvent("Started Checkout", start, { checkoutToken: "tok-1", totalPrice: "50.00" }, "trigger");

function ctx(overrides: Partial<ConditionContext> & { events?: ConditionContext["facts"]["events"] } = {}): ConditionContext {
  const { events = [], ...rest } = overrides;
  return { facts: makeFacts({ events: [trigger, ...events] }), now: plus(start, DAY), since: start, trigger, ...rest };
}

describe("compare", () => {
  it("compares numbers, decimal strings and dates by value", () => {
    expect(compare("19.90", "eq", 19.9)).toBe(true);
    expect(compare(3, "gte", "3")).toBe(true);
    expect(compare("100.00", "gt", "99.99")).toBe(true);
    expect(compare("2025-03-01T10:00:00.000Z", "eq", "2025-03-01T11:00:00+01:00")).toBe(true);
    expect(compare("2025-03-02", "gt", "2025-03-01T23:00:00Z")).toBe(true);
    // A number and a date are not comparable.
    expect(compare(5, "lt", "2025-03-01")).toBe(false);
  });

  it("handles text, lists and existence", () => {
    expect(compare("subscribed", "eq", "subscribed")).toBe(true);
    expect(compare("subscribed", "neq", "pending")).toBe(true);
    expect(compare(undefined, "neq", true)).toBe(true);
    expect(compare("blue shirt", "contains", "shirt")).toBe(true);
    expect(compare(["vip", "wholesale"], "contains", "vip")).toBe(true);
    expect(compare("DE", "in", ["DE", "AT"])).toBe(true);
    expect(compare(null, "exists", undefined)).toBe(false);
    expect(compare(null, "not_exists", undefined)).toBe(true);
    expect(compare(0, "exists", undefined)).toBe(true);
    expect(compare({ a: [1, { b: 2 }] }, "eq", { a: [1, { b: 2 }] })).toBe(true);
  });

  it("matches nothing when the expected value is missing", () => {
    expect(compare("x", "eq", undefined)).toBe(false);
    expect(compare("x", "neq", undefined)).toBe(false);
  });
});

describe("matchesFilters", () => {
  it("reads dot paths and compares with the trigger's properties", () => {
    const props = { checkoutToken: "tok-1", lineItems: [{ title: "Mug" }] };
    expect(matchesFilters(props, [{ path: "lineItems.0.title", op: "eq", value: "Mug" }], null)).toBe(true);
    expect(matchesFilters(props, [{ path: "checkoutToken", op: "eq", valueFromTrigger: "checkoutToken" }], trigger)).toBe(true);
    expect(matchesFilters({ checkoutToken: "tok-2" }, [{ path: "checkoutToken", op: "eq", valueFromTrigger: "checkoutToken" }], trigger)).toBe(false);
    expect(matchesFilters(props, [{ path: "checkoutToken", op: "eq", valueFromTrigger: "checkoutToken" }], null)).toBe(false);
    expect(matchesFilters(props, undefined, null)).toBe(true);
  });
});

describe("evaluateCondition", () => {
  const ordersSinceStart = (bound: Partial<{ atLeast: number; atMost: number }>): Condition => ({
    kind: "event_count",
    event: "Placed Order",
    since: "flow_start",
    ...bound,
  });

  it("counts events since flow start by when they happened, not when they arrived", () => {
    const before = makeEvent("Placed Order", plus(start, -1000));
    const after = makeEvent("Placed Order", plus(start, 3 * 3_600_000));
    expect(evaluateCondition(ordersSinceStart({ atMost: 0 }), ctx({ events: [before] }))).toBe(true);
    expect(evaluateCondition(ordersSinceStart({ atLeast: 1 }), ctx({ events: [before, after] }))).toBe(true);
  });

  it("never counts the trigger itself, nor events dated after now", () => {
    const self: Condition = { kind: "event_count", event: "Started Checkout", since: "flow_start", atMost: 0 };
    expect(evaluateCondition(self, ctx())).toBe(true);
    const future = makeEvent("Placed Order", plus(start, 2 * DAY));
    expect(evaluateCondition(ordersSinceStart({ atMost: 0 }), ctx({ events: [future] }))).toBe(true);
  });

  it("counts within the last D days and over all history", () => {
    const old = makeEvent("Opened Email", plus(start, -40 * DAY));
    const recent = makeEvent("Opened Email", plus(start, -5 * DAY));
    const c = (since: "ever" | { days: number }): Condition => ({ kind: "event_count", event: "Opened Email", since, atLeast: 2 });
    expect(evaluateCondition(c({ days: 30 }), ctx({ events: [old, recent] }))).toBe(false);
    expect(evaluateCondition(c({ days: 60 }), ctx({ events: [old, recent] }))).toBe(true);
    expect(evaluateCondition(c("ever"), ctx({ events: [old, recent] }))).toBe(true);
  });

  it("applies property filters to counted events", () => {
    const completed = makeEvent("Updated Checkout", plus(start, 1000), { checkoutToken: "tok-1", completedAt: "2025-03-01T10:30:00Z" });
    const other = makeEvent("Updated Checkout", plus(start, 1000), { checkoutToken: "tok-9", completedAt: "2025-03-01T10:30:00Z" });
    const c: Condition = {
      kind: "event_count",
      event: "Updated Checkout",
      where: [{ path: "checkoutToken", op: "eq", valueFromTrigger: "checkoutToken" }, { path: "completedAt", op: "exists" }],
      since: "flow_start",
      atLeast: 1,
    };
    expect(evaluateCondition(c, ctx({ events: [other] }))).toBe(false);
    expect(evaluateCondition(c, ctx({ events: [other, completed] }))).toBe(true);
  });

  it("reads profile properties, consent and computed fields, and combines conditions", () => {
    const facts = makeFacts({
      profile: makeProfile({ ordersCount: 3, emailConsent: "pending", expectedNextOrderAt: at("2025-04-01T00:00:00Z"), properties: { tier: "gold" } }),
    });
    const c = (condition: Condition) => evaluateCondition(condition, { ...ctx(), facts });
    expect(c({ kind: "profile", path: "ordersCount", op: "gt", value: 1 })).toBe(true);
    expect(c({ kind: "profile", path: "emailConsent", op: "eq", value: "subscribed" })).toBe(false);
    expect(c({ kind: "profile", path: "properties.tier", op: "in", value: ["gold", "platinum"] })).toBe(true);
    expect(c({ kind: "profile", path: "expectedNextOrderAt", op: "lt", value: "2025-05-01" })).toBe(true);
    expect(c({ kind: "profile", path: "averageDaysBetweenOrders", op: "exists" })).toBe(false);
    expect(c({ kind: "all", of: [] })).toBe(true);
    expect(c({ kind: "any", of: [{ kind: "profile", path: "ordersCount", op: "eq", value: 0 }, { kind: "profile", path: "properties.tier", op: "eq", value: "gold" }] })).toBe(true);
    expect(c({ kind: "not", condition: { kind: "profile", path: "ordersCount", op: "eq", value: 3 } })).toBe(false);
  });
});
