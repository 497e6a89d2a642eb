import { describe, expect, it } from "vitest";
import { compareVariants, normalCdf } from "./ab-test";

describe("A/B comparison", () => {
  it("computes the normal CDF to 1e-6", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(normalCdf(3)).toBeCloseTo(0.99865, 5);
  });

  it("names a significant winner with the hand-computed z-test and interval", () => {
    // 10 % vs 7 % of 1,000 each: pooled 8.5 %, SE 0.012472, z 2.4054, p 0.01615; Wald SE 0.012454.
    const result = compareVariants([
      { id: "b", sent: 1000, successes: 70 },
      { id: "a", sent: 1000, successes: 100 },
    ]);
    if (result.status !== "measured") throw new Error("expected a measurement");
    expect(result.leader).toBe("a");
    expect(result.runnerUp).toBe("b");
    expect(result.variants.map((v) => v.rate)).toEqual([0.1, 0.07]);
    expect(result.pValue).toBeCloseTo(0.01615, 4);
    expect(result.significant).toBe(true);
    expect(result.difference.estimate).toBeCloseTo(0.03, 10);
    expect(result.difference.low).toBeCloseTo(0.005591, 5);
    expect(result.difference.high).toBeCloseTo(0.054409, 5);
  });

  it("reports a lead that is not significant as such", () => {
    const result = compareVariants([
      { id: "24h", sent: 100, successes: 12 },
      { id: "48h", sent: 100, successes: 9 },
    ]);
    expect(result).toMatchObject({ status: "measured", leader: "24h", significant: false });
    if (result.status === "measured") expect(result.pValue).toBeGreaterThan(0.4);
  });

  it("waits for enough emails and enough successes (and failures) in every variant", () => {
    expect(compareVariants([{ id: "a", sent: 29, successes: 10 }, { id: "b", sent: 500, successes: 50 }]).status).toBe("not_enough_data");
    expect(compareVariants([{ id: "a", sent: 500, successes: 4 }, { id: "b", sent: 500, successes: 50 }]).status).toBe("not_enough_data");
    expect(compareVariants([{ id: "a", sent: 40, successes: 38 }, { id: "b", sent: 40, successes: 20 }]).status).toBe("not_enough_data");
    expect(compareVariants([{ id: "a", sent: 500, successes: 50 }]).status).toBe("not_enough_data");
    expect(compareVariants([]).status).toBe("not_enough_data");
  });

  it("compares the leader with the runner-up when there are three variants, and ranks ties stably", () => {
    const result = compareVariants([
      { id: "c", sent: 400, successes: 40 },
      { id: "a", sent: 400, successes: 80 },
      { id: "b", sent: 500, successes: 50 },
    ]);
    expect(result).toMatchObject({ status: "measured", leader: "a", runnerUp: "b", significant: true });
    expect(result.variants.map((v) => v.id)).toEqual(["a", "b", "c"]);
  });
});
