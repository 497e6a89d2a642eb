import { describe, expect, it } from "vitest";
import { addOrder, EMPTY_ORDER_STATS } from "./order-stats";

const day = (d: string) => new Date(`${d}T12:00:00Z`);

describe("order stats", () => {
  it("counts, sums and dates orders", () => {
    const one = addOrder(EMPTY_ORDER_STATS, { placedAt: day("2026-01-01"), totalMinor: 5000n });
    expect(one).toEqual({
      ordersCount: 1,
      revenueMinor: 5000n,
      firstOrderAt: day("2026-01-01"),
      lastOrderAt: day("2026-01-01"),
      expectedNextOrderAt: null,
    });
    const two = addOrder(one, { placedAt: day("2026-01-31"), totalMinor: 2500n });
    expect(two.ordersCount).toBe(2);
    expect(two.revenueMinor).toBe(7500n);
    expect(two.expectedNextOrderAt).toEqual(day("2026-03-02"));
  });

  it("gives the same result whatever order the orders arrive in", () => {
    const orders = [
      { placedAt: day("2026-03-01"), totalMinor: 100n },
      { placedAt: day("2026-01-01"), totalMinor: 200n },
      { placedAt: day("2026-02-01"), totalMinor: 300n },
    ];
    const forward = orders.reduce(addOrder, EMPTY_ORDER_STATS);
    const backward = [...orders].reverse().reduce(addOrder, EMPTY_ORDER_STATS);
    expect(forward).toEqual(backward);
    expect(forward.firstOrderAt).toEqual(day("2026-01-01"));
    expect(forward.lastOrderAt).toEqual(day("2026-03-01"));
  });
});
