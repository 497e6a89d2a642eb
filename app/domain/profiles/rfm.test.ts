import { describe, expect, it } from "vitest";
import { rfmScores } from "./rfm";

const now = new Date("2026-11-24T12:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe("RFM", () => {
  it("is unknown for someone who never ordered", () => {
    expect(rfmScores({ ordersCount: 0, revenueMinor: 0n, lastOrderAt: null }, now, 100n)).toBeNull();
  });

  it("scores and names the usual groups", () => {
    expect(rfmScores({ ordersCount: 5, revenueMinor: 90000n, lastOrderAt: daysAgo(3) }, now, 100n)).toEqual({
      recency: 3, frequency: 3, monetary: 3, group: "Champions",
    });
    expect(rfmScores({ ordersCount: 1, revenueMinor: 4000n, lastOrderAt: daysAgo(10) }, now, 100n)?.group).toBe("New customer");
    expect(rfmScores({ ordersCount: 3, revenueMinor: 30000n, lastOrderAt: daysAgo(400) }, now, 100n)?.group).toBe("At risk");
    expect(rfmScores({ ordersCount: 6, revenueMinor: 90000n, lastOrderAt: daysAgo(400) }, now, 100n)?.group).toBe("Can't lose");
    expect(rfmScores({ ordersCount: 1, revenueMinor: 2000n, lastOrderAt: daysAgo(300) }, now, 100n)?.group).toBe("Hibernating");
    expect(rfmScores({ ordersCount: 2, revenueMinor: 20000n, lastOrderAt: daysAgo(60) }, now, 100n)?.group).toBe("Needs attention");
  });

  it("reads money in the currency's own units", () => {
    // 60,000 JPY (no minor units) is high spend; 60,000 US cents is 600 USD, also high.
    expect(rfmScores({ ordersCount: 1, revenueMinor: 60000n, lastOrderAt: daysAgo(1) }, now, 1n)?.monetary).toBe(3);
    expect(rfmScores({ ordersCount: 1, revenueMinor: 6000n, lastOrderAt: daysAgo(1) }, now, 100n)?.monetary).toBe(1);
  });
});
