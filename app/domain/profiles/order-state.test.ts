import { describe, expect, it } from "vitest";
import type { OrderFact } from "../events/types";
import { applyRefundAmount, mergeOrderFact, orderContribution } from "./order-state";

const fact = (over: Partial<OrderFact> = {}): OrderFact => ({
  orderId: "9007199254740993123",
  updatedAt: new Date("2026-11-20T10:00:00Z"),
  placedAt: new Date("2026-11-20T09:00:00Z"),
  currency: "USD",
  totalMinor: 10000n,
  refundedMinor: 0n,
  cancelled: false,
  test: false,
  ...over,
});

describe("order state", () => {
  it("counts a live order at its net total, and nothing for cancelled or test orders", () => {
    const { next } = mergeOrderFact(null, fact());
    expect(orderContribution(next)).toEqual({ counted: true, revenueMinor: 10000n });
    expect(orderContribution(mergeOrderFact(null, fact({ cancelled: true })).next).counted).toBe(false);
    expect(orderContribution(mergeOrderFact(null, fact({ test: true })).next).revenueMinor).toBe(0n);
  });

  it("ignores a payload older than the state it holds", () => {
    const newer = mergeOrderFact(null, fact({ updatedAt: new Date("2026-11-21T00:00:00Z"), totalMinor: 8000n })).next;
    const stale = mergeOrderFact(newer, fact({ totalMinor: 12000n }));
    expect(stale.applied).toBe(false);
    expect(stale.next.totalMinor).toBe(8000n);
  });

  it("never forgets a refund or a cancellation", () => {
    const refunded = applyRefundAmount(mergeOrderFact(null, fact()).next, 2500n);
    const later = mergeOrderFact(refunded, fact({ updatedAt: new Date("2026-11-22T00:00:00Z") })).next;
    expect(later.refundedMinor).toBe(2500n);
    expect(orderContribution(later).revenueMinor).toBe(7500n);
    const cancelled = mergeOrderFact(later, fact({ updatedAt: new Date("2026-11-23T00:00:00Z"), cancelled: true })).next;
    const uncancelled = mergeOrderFact(cancelled, fact({ updatedAt: new Date("2026-11-24T00:00:00Z") })).next;
    expect(uncancelled.cancelled).toBe(true);
  });

  it("never refunds below zero", () => {
    const order = mergeOrderFact(null, fact()).next;
    expect(applyRefundAmount(applyRefundAmount(order, 8000n), 8000n).refundedMinor).toBe(10000n);
  });
});
