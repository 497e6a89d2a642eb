import { describe, expect, it } from "vitest";
import { chooseVariant, isHoldout, stableFraction, stableHash } from "./ab";

const ids = Array.from({ length: 20_000 }, (_, i) => `cust_${i}`);

function shares(pick: (profileId: string) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) counts[pick(id)] = (counts[pick(id)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / ids.length]));
}

describe("stable assignment", () => {
  it("hashes deterministically, sensitive to each part and to where parts split", () => {
    expect(stableHash("flow", "step", "p1")).toBe(stableHash("flow", "step", "p1"));
    expect(stableHash("flow", "step", "p1")).not.toBe(stableHash("flow", "step", "p2"));
    expect(stableHash("ab", "c")).not.toBe(stableHash("a", "bc"));
    // Pinned: changing the hash would silently move live profiles between variants.
    expect(stableHash("flow-1", "timing_test", "profile-1")).toBe(596871067);
    expect(stableFraction("x")).toBeGreaterThanOrEqual(0);
    expect(stableFraction("x")).toBeLessThan(1);
  });

  it("gives a profile the same variant every time", () => {
    const variants = [{ id: "a", weight: 1 }, { id: "b", weight: 1 }];
    const key = { flowId: "flow-1", stepId: "split", profileId: "cust_42" };
    const first = chooseVariant(variants, key);
    for (let i = 0; i < 5; i++) expect(chooseVariant(variants, key)).toBe(first);
  });

  it("splits in proportion to the weights over many profiles", () => {
    const variants = [{ id: "a", weight: 70 }, { id: "b", weight: 30 }];
    const result = shares((profileId) => chooseVariant(variants, { flowId: "flow-1", stepId: "split", profileId }));
    expect(result.a).toBeCloseTo(0.7, 1);
    expect(Math.abs(result.a! - 0.7)).toBeLessThan(0.015);

    const three = [{ id: "x", weight: 1 }, { id: "y", weight: 2 }, { id: "z", weight: 1 }];
    const r3 = shares((profileId) => chooseVariant(three, { flowId: "flow-1", stepId: "three", profileId }));
    expect(Math.abs(r3.x! - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(r3.y! - 0.5)).toBeLessThan(0.015);
  });

  it("assigns independently at different steps", () => {
    const variants = [{ id: "a", weight: 1 }, { id: "b", weight: 1 }];
    const both = shares(
      (profileId) =>
        chooseVariant(variants, { flowId: "f", stepId: "one", profileId }) + chooseVariant(variants, { flowId: "f", stepId: "two", profileId }),
    );
    for (const combo of ["aa", "ab", "ba", "bb"]) expect(Math.abs(both[combo]! - 0.25)).toBeLessThan(0.015);
  });

  it("holds out the configured share, stably per flow and profile", () => {
    const held = ids.filter((profileId) => isHoldout(10, { flowId: "flow-1", profileId })).length / ids.length;
    expect(Math.abs(held - 0.1)).toBeLessThan(0.01);
    expect(ids.some((profileId) => isHoldout(0, { flowId: "flow-1", profileId }))).toBe(false);
    expect(ids.every((profileId) => isHoldout(100, { flowId: "flow-1", profileId }))).toBe(true);
    expect(isHoldout(10, { flowId: "flow-1", profileId: "cust_7" })).toBe(isHoldout(10, { flowId: "flow-1", profileId: "cust_7" }));
  });
});
