import { describe, expect, it } from "vitest";
import { ageBounds, birthdayCutoff, dayBounds, instantBounds, shiftDay } from "./dates";
import { evaluateSegment, type SegmentProfile } from "./evaluate";
import { segmentMembersSql } from "./sql";
import type { SegmentCondition } from "./tree";

const clock = { now: new Date("2026-03-01T03:00:00Z"), timezone: "America/New_York" }; // Feb 28, 22:00 in New York

describe("segment dates", () => {
  it("uses the shop's day for today", () => {
    expect(dayBounds("in_last_days", 7, clock)).toEqual({ gte: "2026-02-21", lte: "2026-02-28" });
    expect(dayBounds("in_next_days", 2, clock)).toEqual({ gte: "2026-02-28", lte: "2026-03-02" });
    expect(instantBounds("before", "2026-01-10", clock)).toEqual({ lt: new Date("2026-01-10T05:00:00Z") });
    expect(instantBounds("after", "2026-01-10", clock)).toEqual({ gte: new Date("2026-01-11T05:00:00Z") });
    expect(shiftDay("2024-03-01", -1)).toBe("2024-02-29");
  });

  it("counts age in whole years, birthdays on Feb 29 included", () => {
    expect(birthdayCutoff(30, clock)).toBe("1996-02-28");
    expect(ageBounds("lte", 50, clock)).toEqual({ gt: "1975-02-28" });
    const leap = { now: new Date("2028-02-29T12:00:00Z"), timezone: "UTC" };
    expect(birthdayCutoff(1, leap)).toBe("2027-02-29"); // compared as text: 2027-02-28 birthdays are 1 today
  });
});

describe("segment SQL", () => {
  const hostile = "x'); DROP TABLE \"Profile\"; --";
  const tree: SegmentCondition = {
    kind: "all",
    of: [
      { kind: "property", key: "gender", type: "text", op: "eq", value: hostile },
      { kind: "profile", field: "firstName", op: "in", value: [hostile, "Ann"] },
      { kind: "event_count", event: "Ordered Product", where: [{ path: "productId", type: "text", op: "contains", value: hostile }], since: { days: 365 }, atMost: 0 },
    ],
  };

  it.each(["sqlite", "postgresql"] as const)("never puts a value in the SQL text on %s", (dialect) => {
    const fragment = segmentMembersSql(tree, dialect, clock, "shop'1");
    const text = fragment.strings.join("?");
    expect(text).not.toContain("DROP");
    expect(text).not.toContain("shop'1");
    expect(text).not.toContain("gender"); // property paths are parameters too
    expect(fragment.values).toContain("shop'1");
    expect(fragment.values).toContain(hostile.toLowerCase());
  });

  it("refuses a column outside the whitelist even if a tree skipped validation", () => {
    const forged = { kind: "profile", field: "id\" IS NOT NULL OR \"x", op: "exists" } as unknown as SegmentCondition;
    expect(() => segmentMembersSql(forged, "sqlite", clock, "s")).toThrow(/not a segment field/);
  });
});

describe("evaluateSegment", () => {
  it("leaves out merged-away profiles", () => {
    const base = { id: "a", mergedIntoId: "b", properties: null } as unknown as SegmentProfile;
    expect(evaluateSegment({ kind: "all", of: [] }, base, [], clock)).toBe(false);
    expect(evaluateSegment({ kind: "all", of: [] }, { ...base, mergedIntoId: null }, [], clock)).toBe(true);
  });
});
