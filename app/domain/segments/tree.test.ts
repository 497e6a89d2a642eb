import { describe, expect, it } from "vitest";
import { LIMITS, parseSegmentTree, type SegmentCondition } from "./tree";

const female: SegmentCondition = { kind: "property", key: "gender", type: "text", op: "eq", value: "female" };

describe("parseSegmentTree", () => {
  it("accepts groups, profile fields, custom properties, age and event history", () => {
    const tree = {
      kind: "all",
      of: [
        female,
        { kind: "age", key: "birthday", op: "gte", value: 30 },
        { kind: "profile", field: "lastOrderAt", op: "in_last_days", value: 90 },
        { kind: "any", of: [{ kind: "profile", field: "rfmGroup", op: "in", value: ["champions", "loyal"] }, { kind: "profile", field: "leadScore", op: "gte", value: 50 }] },
        { kind: "event_count", event: "Opened Email", since: { days: 30 }, atLeast: 3, where: [{ path: "machine", type: "boolean", op: "eq", value: false }] },
        { kind: "not", condition: { kind: "property", key: "address.country", type: "text", op: "exists" } },
      ],
    };
    expect(parseSegmentTree(tree)).toEqual({ ok: true, value: tree });
    expect(parseSegmentTree(JSON.stringify(tree)).ok).toBe(true);
  });

  it.each([
    ["an unknown profile column", { kind: "profile", field: "passwordHash", op: "exists" }, "field"],
    ["SQL in a property name", { kind: "property", key: "x') OR 1=1 --", type: "text", op: "exists" }, "property name"],
    ["an array index in a property path", { kind: "property", key: "tags.0", type: "text", op: "exists" }, "property name"],
    ["an operator of another type", { kind: "profile", field: "ordersCount", op: "contains", value: "3" }, "does not apply to a number"],
    ["a text for a number", { kind: "profile", field: "ordersCount", op: "gte", value: "3" }, "needs a number"],
    ["no day for before", { kind: "profile", field: "lastOrderAt", op: "before", value: "2024-02-30" }, "YYYY-MM-DD"],
    ["a value on exists", { kind: "profile", field: "email", op: "exists", value: "x" }, "takes no value"],
    ["an event count without bounds", { kind: "event_count", event: "Placed Order", since: "ever" }, "at least or at most"],
    ["an event no one records", { kind: "event_count", event: "Logged In", since: "ever", atLeast: 1 }, "event"],
    ["an empty any group", { kind: "any", of: [] }, "of"],
    ["an unknown key", { ...female, extra: 1 }, "extra"],
    ["an empty in list", { kind: "profile", field: "rfmGroup", op: "in", value: [] }, "list of 1 to"],
  ])("refuses %s with a clear error", (_, tree, message) => {
    const result = parseSegmentTree(tree);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it("says where in the tree the problem is", () => {
    const result = parseSegmentTree({ kind: "all", of: [female, { kind: "any", of: [{ kind: "profile", field: "leadScore", op: "gte", value: "high" }] }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("of[1].of[0]");
  });

  it("bounds size, depth, lists and text", () => {
    const many = { kind: "all", of: Array.from({ length: LIMITS.nodes }, () => female) };
    expect(parseSegmentTree(many)).toMatchObject({ ok: false, error: expect.stringContaining(`at most ${LIMITS.nodes} conditions`) });
    let deep: SegmentCondition = female;
    for (let i = 0; i <= LIMITS.depth; i++) deep = { kind: "not", condition: deep };
    expect(parseSegmentTree(deep)).toMatchObject({ ok: false, error: expect.stringContaining("nest at most") });
    const longText = { ...female, value: "x".repeat(LIMITS.text + 1) };
    expect(parseSegmentTree(longText).ok).toBe(false);
    const longList = { kind: "profile", field: "rfmGroup", op: "in", value: Array.from({ length: LIMITS.listValues + 1 }, (_, i) => `g${i}`) };
    expect(parseSegmentTree(longList).ok).toBe(false);
    expect(parseSegmentTree("x".repeat(LIMITS.jsonChars + 1))).toMatchObject({ ok: false, error: expect.stringContaining("too large") });
    expect(parseSegmentTree("{not json")).toMatchObject({ ok: false, error: expect.stringContaining("not JSON") });
  });
});
