import { describe, expect, it } from "vitest";
import { chooseWinner, inTestShare, testVariant, winnerDueAt } from "./ab";

const ids = Array.from({ length: 20_000 }, (_, i) => `cust_${i}`);

describe("campaign A/B split", () => {
  it("puts the test share in the test, stably per campaign and profile", () => {
    const inTest = ids.filter((profileId) => inTestShare(20, { campaignId: "c1", profileId })).length / ids.length;
    expect(Math.abs(inTest - 0.2)).toBeLessThan(0.015);
    expect(inTestShare(20, { campaignId: "c1", profileId: "cust_7" })).toBe(inTestShare(20, { campaignId: "c1", profileId: "cust_7" }));
    // Another campaign draws a different test group.
    const sameGroup = ids.filter((p) => inTestShare(20, { campaignId: "c1", profileId: p }) === inTestShare(20, { campaignId: "c2", profileId: p }));
    expect(sameGroup.length).toBeLessThan(ids.length * 0.75);
  });

  it("splits the test share evenly across variants", () => {
    const counts: Record<string, number> = {};
    for (const profileId of ids) {
      const v = testVariant(["a", "b", "c"], { campaignId: "c1", profileId });
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const v of ["a", "b", "c"]) expect(Math.abs(counts[v]! / ids.length - 1 / 3)).toBeLessThan(0.015);
  });

  it("picks the winner by click rate or revenue per email, ties to the first variant", () => {
    const results = [
      { id: "a", sent: 100, clicks: 10, revenueMinor: 50_000n },
      { id: "b", sent: 50, clicks: 8, revenueMinor: 10_000n },
    ];
    expect(chooseWinner(results, "click")).toBe("b");
    expect(chooseWinner(results, "revenue")).toBe("a");
    const none = [
      { id: "a", sent: 0, clicks: 0, revenueMinor: 0n },
      { id: "b", sent: 0, clicks: 0, revenueMinor: 0n },
    ];
    expect(chooseWinner(none, "click")).toBe("a");
    expect(() => chooseWinner([], "click")).toThrow();
  });

  it("is due a test window after the test went out", () => {
    expect(winnerDueAt({ testPercent: 20, metric: "click", windowHours: 4 }, new Date("2026-11-25T08:00:00Z")).toISOString()).toBe("2026-11-25T12:00:00.000Z");
  });
});
