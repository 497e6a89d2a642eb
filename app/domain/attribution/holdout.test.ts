import { describe, expect, it } from "vitest";
import { addPerson, cohortChange, EMPTY_GROUP, groupFromCounters, holdoutResult, windowRevenue, type GroupTotals } from "./holdout";

/** A group of `people`, `converted` of whom ordered for `each` minor units. */
function group(people: number, converted: number, each: bigint): GroupTotals {
  let g = EMPTY_GROUP;
  for (let i = 0; i < people; i++) g = addPerson(g, i < converted ? each : 0n);
  return g;
}

describe("holdoutResult", () => {
  it("says there is no holdout group when nobody was held out", () => {
    expect(holdoutResult(group(500, 50, 4_000n), EMPTY_GROUP)).toEqual({ status: "no_holdout" });
  });

  it("claims nothing until both groups have enough people, conversions and non-conversions", () => {
    expect(holdoutResult(group(500, 50, 4_000n), group(29, 10, 4_000n)).status).toBe("not_enough_data");
    expect(holdoutResult(group(500, 50, 4_000n), group(100, 4, 4_000n)).status).toBe("not_enough_data");
    expect(holdoutResult(group(30, 26, 4_000n), group(100, 10, 4_000n)).status).toBe("not_enough_data");
    expect(holdoutResult(group(30, 25, 4_000n), group(30, 5, 4_000n)).status).toBe("measured");
  });

  it("computes the rates, revenue per person and 95 % intervals by hand-checkable formulas", () => {
    // Sent: 1,000 people, 120 ordered 50.00 each; holdout: 100 people, 8 ordered 50.00 each.
    const result = holdoutResult(group(1_000, 120, 5_000n), group(100, 8, 5_000n));
    if (result.status !== "measured") throw new Error(result.status);
    expect(result.conversion.sent).toBeCloseTo(0.12, 10);
    expect(result.conversion.holdout).toBeCloseTo(0.08, 10);
    // se = sqrt(.12*.88/1000 + .08*.92/100) = sqrt(.0008416) = 0.0290103; 1.959964 * se = 0.0568592.
    expect(result.conversion.difference.estimate).toBeCloseTo(0.04, 10);
    expect(result.conversion.difference.low).toBeCloseTo(0.04 - 0.0568592, 6);
    expect(result.conversion.difference.high).toBeCloseTo(0.04 + 0.0568592, 6);
    expect(result.significant).toBe(false);
    // Revenue per person: 600.00 vs 400.00 (minor units); variance n/(n-1) * mean(x^2) - mean^2 adjusted.
    expect(result.revenuePerPerson.sent).toBeCloseTo(600, 10);
    expect(result.revenuePerPerson.holdout).toBeCloseTo(400, 10);
    const v1 = (120 * 5_000 ** 2 - 1_000 * 600 ** 2) / 999;
    const v0 = (8 * 5_000 ** 2 - 100 * 400 ** 2) / 99;
    const se = Math.sqrt(v1 / 1_000 + v0 / 100);
    expect(result.revenuePerPerson.difference.low).toBeCloseTo(200 - 1.959963984540054 * se, 6);
  });

  it("calls a clear difference significant, in either direction", () => {
    const up = holdoutResult(group(2_000, 300, 5_000n), group(500, 25, 5_000n));
    expect(up.status === "measured" && up.significant && up.conversion.difference.low > 0).toBe(true);
    const down = holdoutResult(group(2_000, 40, 5_000n), group(500, 50, 5_000n));
    expect(down.status === "measured" && down.significant && down.conversion.difference.high < 0).toBe(true);
  });
});

describe("the conversion window and its counters", () => {
  const entered = new Date("2026-10-01T12:00:00Z");
  const at = (ms: number) => new Date(entered.getTime() + ms);
  const DAY = 86_400_000;

  it("counts orders strictly after entering and up to 30 days after, never refunded-away ones", () => {
    const orders = [
      { placedAt: entered, countedMinor: 1_000n }, // the same instant: before the flow could act
      { placedAt: at(1), countedMinor: 2_000n },
      { placedAt: at(30 * DAY), countedMinor: 4_000n }, // the window's last instant
      { placedAt: at(30 * DAY + 1), countedMinor: 8_000n },
      { placedAt: at(DAY), countedMinor: 0n }, // cancelled
    ];
    expect(windowRevenue(entered, orders)).toBe(6_000n);
    expect(windowRevenue(entered, [])).toBe(0n);
  });

  it("moves the counters by the change of one person, so that summing changes equals counting afresh", () => {
    expect(cohortChange(0n, 5_000n)).toEqual({ converted: 1, revenueMinor: 5_000n, revenueSquaresMinor: 25_000_000n });
    expect(cohortChange(5_000n, 7_000n)).toEqual({ converted: 0, revenueMinor: 2_000n, revenueSquaresMinor: 24_000_000n });
    expect(cohortChange(7_000n, 0n)).toEqual({ converted: -1, revenueMinor: -7_000n, revenueSquaresMinor: -49_000_000n });
    // 0 -> 5,000 -> 7,000 -> 3,000: the sums equal one person who ordered 3,000.
    const steps = [cohortChange(0n, 5_000n), cohortChange(5_000n, 7_000n), cohortChange(7_000n, 3_000n)];
    const sum = steps.reduce((a, c) => ({ converted: a.converted + c.converted, revenueMinor: a.revenueMinor + c.revenueMinor, revenueSquaresMinor: a.revenueSquaresMinor + c.revenueSquaresMinor }));
    expect(groupFromCounters({ people: 1n, converted: BigInt(sum.converted), revenueMinor: sum.revenueMinor, revenueSquaresMinor: sum.revenueSquaresMinor })).toEqual(addPerson(EMPTY_GROUP, 3_000n));
  });
});
