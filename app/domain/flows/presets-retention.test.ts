import { describe, expect, it } from "vitest";
import { engagementTriggerEvent } from "./entry";
import { POST_PURCHASE_FLOW, SUNSET_FLOW, WINBACK_FLOW } from "./preset-definitions";
import { at, DAY, HOUR, makeEvent, makeFacts, makeProfile, NO_QUIET, others, plus, sends, simulate } from "./testing.test-helper";

const t0 = at("2025-01-15T10:00:00Z");
const until = plus(t0, 400 * DAY);
const order = (id: string, when: Date, totalPrice = "100.00") =>
  makeEvent("Placed Order", when, { orderId: id, totalPrice, test: false }, `order-${id}`);

describe("post-purchase", () => {
  const placed = order("o1", t0);
  const fulfilled = (days: number, orderId = "o1") => makeEvent("Fulfilled Order", plus(t0, days * DAY), { orderId });

  it("thanks a first-time buyer at once, asks for a review 7 days after fulfilment, cross-sells at 14 days", () => {
    const sim = simulate({ definition: POST_PURCHASE_FLOW, trigger: placed, events: [fulfilled(2)], profile: makeProfile({ ordersCount: 1 }), until });
    expect(sends(sim)).toEqual([
      ["thanks_first_order", "2025-01-15T10:00:00.000Z"],
      ["review_request", "2025-01-24T10:00:00.000Z"],
      ["cross_sell", "2025-01-29T10:00:00.000Z"],
    ]);
    // No buying rhythm yet, so no replenishment reminder.
    expect(sim.result?.status).toBe("completed");
  });

  it("thanks a repeat buyer differently and reminds them on their expected next order date", () => {
    const profile = makeProfile({ ordersCount: 3, averageDaysBetweenOrders: 40, expectedNextOrderAt: plus(t0, 40 * DAY) });
    const sim = simulate({ definition: POST_PURCHASE_FLOW, trigger: placed, events: [fulfilled(10)], profile, until });
    expect(sends(sim)).toEqual([
      ["thanks_repeat_order", "2025-01-15T10:00:00.000Z"],
      ["review_request", "2025-02-01T10:00:00.000Z"],
      // Due at day 14, already past when the review went: smart sending spaces them by 16 h.
      ["cross_sell", "2025-02-02T02:00:00.000Z"],
      ["replenishment", "2025-02-24T10:00:00.000Z"],
    ]);
  });

  it("skips the review request when the order is not fulfilled within 14 days, keeping the cross-sell on time", () => {
    const sim = simulate({ definition: POST_PURCHASE_FLOW, trigger: placed, events: [fulfilled(3, "other-order")], until });
    expect(sends(sim).map(([t, when]) => `${t}@${when.slice(0, 10)}`)).toEqual(["thanks_first_order@2025-01-15", "cross_sell@2025-01-29"]);
  });

  it("exits on cancellation or a full refund of this order, not of another or a partial refund", () => {
    const cancel = (orderId: string) => makeEvent("Cancelled Order", plus(t0, 3 * DAY), { orderId });
    const refund = (orderId: string, refundedAmount: string) => makeEvent("Refunded Order", plus(t0, 3 * DAY), { orderId, refundedAmount });
    const run = (event: ReturnType<typeof makeEvent>) => simulate({ definition: POST_PURCHASE_FLOW, trigger: placed, events: [event], until });
    expect(others(run(cancel("o1")))).toEqual(["exit:order_cancelled"]);
    expect(others(run(refund("o1", "100.00")))).toEqual(["exit:order_refunded"]);
    expect(run(refund("o1", "100.00")).log.at(-1)?.at).toEqual(plus(t0, 3 * DAY));
    expect(others(run(refund("o1", "20.00")))).toEqual([]);
    expect(others(run(cancel("o9")))).toEqual([]);
  });

  it("leaves the replenishment reminder to the newer order's run", () => {
    const profile = (now: Date) =>
      makeProfile({ ordersCount: 3, expectedNextOrderAt: plus(t0, (now >= plus(t0, 30 * DAY) ? 70 : 40) * DAY) });
    const sim = simulate({ definition: POST_PURCHASE_FLOW, trigger: placed, events: [fulfilled(2), order("o2", plus(t0, 30 * DAY))], profile, until });
    expect(sends(sim).map(([t]) => t)).toEqual(["thanks_repeat_order", "review_request", "cross_sell"]);
    expect(sim.result?.status).toBe("completed");
  });
});

describe("winback", () => {
  const placed = order("o1", t0);

  it("waits 180 days, then sends two emails a week apart, the second with a discount", () => {
    const sim = simulate({ definition: WINBACK_FLOW, trigger: placed, until });
    expect(sends(sim)).toEqual([
      ["winback_1", plus(t0, 180 * DAY).toISOString()],
      ["winback_2", plus(t0, 187 * DAY).toISOString()],
    ]);
    expect(sim.log[1]?.action).toMatchObject({ discount: { kind: "percentage", value: 15, expiresInDays: 14 } });
  });

  it("waits 1.5x the customer's own gap when that is longer", () => {
    const sim = simulate({ definition: WINBACK_FLOW, trigger: placed, profile: makeProfile({ averageDaysBetweenOrders: 150 }), until });
    expect(sends(sim)[0]?.[1]).toBe(plus(t0, 225 * DAY).toISOString());
  });

  it("exits when the customer orders again, even after the first email", () => {
    const early = simulate({ definition: WINBACK_FLOW, trigger: placed, events: [order("o2", plus(t0, 100 * DAY))], until });
    expect(sends(early)).toEqual([]);
    expect(others(early)).toEqual(["exit:placed_order"]);
    const between = simulate({ definition: WINBACK_FLOW, trigger: placed, events: [order("o2", plus(t0, 183 * DAY))], until });
    expect(sends(between).map(([t]) => t)).toEqual(["winback_1"]);
    expect(others(between)).toEqual(["exit:placed_order"]);
  });

  it("runs holdout entrants through the same schedule without sending", () => {
    const sim = simulate({ definition: WINBACK_FLOW, trigger: placed, settings: { ...NO_QUIET, holdoutPercent: 100 }, until });
    expect(sends(sim)).toEqual([]);
    expect(sim.log.map(({ at: when, action }) => [action.kind === "skip" ? action.reason : action.kind, when.toISOString()])).toEqual([
      ["holdout", plus(t0, 180 * DAY).toISOString()],
      ["holdout", plus(t0, 187 * DAY).toISOString()],
    ]);
    expect(sim.result?.status).toBe("completed");
  });
});

describe("sunset", () => {
  const received = Array.from({ length: 12 }, (_, i) => makeEvent("Received Email", plus(t0, -(i + 1) * 12 * DAY)));
  const trigger = SUNSET_FLOW.trigger.kind === "engagement" ? SUNSET_FLOW.trigger : null;
  const entered = engagementTriggerEvent({ trigger: trigger!, facts: makeFacts({ events: received }), now: t0 })!;

  it("asks once, then suppresses (recorded, reversible) after 7 days without engagement", () => {
    const sim = simulate({ definition: SUNSET_FLOW, trigger: entered, events: received, lastMarketingEmailAt: plus(t0, -12 * DAY), until });
    expect(sends(sim)).toEqual([["sunset_repermission", t0.toISOString()]]);
    expect(sim.log[1]).toMatchObject({
      at: plus(t0, 7 * DAY),
      action: { kind: "update_profile", set: { emailStatus: "sunset" }, previous: { emailStatus: null }, suppress: { reason: "sunset" } },
    });
    expect(sim.result?.status).toBe("completed");
  });

  it.each(["Opened Email", "Clicked Email", "Placed Order"])("keeps a subscriber who responds (%s)", (name) => {
    const sim = simulate({ definition: SUNSET_FLOW, trigger: entered, events: [...received, makeEvent(name, plus(t0, 2 * DAY))], until });
    expect(sim.log.map(({ action }) => action.kind)).toEqual(["send_email"]);
    expect(sim.result?.status).toBe("completed");
  });

  it("waits out smart sending before asking, and counts the 7 days from the ask", () => {
    const lastEmail = plus(t0, -2 * HOUR);
    const sim = simulate({ definition: SUNSET_FLOW, trigger: entered, events: received, lastMarketingEmailAt: lastEmail, until });
    const asked = plus(lastEmail, 16 * HOUR);
    expect(sends(sim)).toEqual([["sunset_repermission", asked.toISOString()]]);
    expect(sim.log[1]?.at).toEqual(plus(asked, 7 * DAY));
  });
});
