import { describe, expect, it } from "vitest";
import { parseFlowDefinition, type FlowDefinition } from "./definition";
import { WELCOME_FLOW } from "./preset-definitions";

const minimal = (steps: unknown[], start = "a"): unknown => ({
  schemaVersion: 1,
  trigger: { kind: "event", event: "Placed Order" },
  filters: [],
  exits: [],
  reentry: { mode: "never" },
  start,
  steps,
});
const send = (id: string, next: string | null) => ({ id, kind: "send_email", template: "t", subject: "s", next });

function errorOf(input: unknown): string {
  const result = parseFlowDefinition(input);
  if (result.ok) throw new Error("expected a parse failure");
  return result.error;
}

describe("parseFlowDefinition", () => {
  it("accepts a definition and its JSON text alike", () => {
    const fromObject = parseFlowDefinition(WELCOME_FLOW);
    const fromText = parseFlowDefinition(JSON.stringify(WELCOME_FLOW));
    expect(fromObject).toEqual({ ok: true, value: WELCOME_FLOW });
    expect(fromText).toEqual(fromObject);
  });

  it("returns errors as values, never throws", () => {
    expect(errorOf("{not json")).toMatch(/^not JSON/);
    expect(errorOf(null)).toBeTruthy();
    expect(errorOf(42)).toBeTruthy();
  });

  it("rejects unknown keys, so a typo cannot silently change behaviour", () => {
    const typo = { ...(WELCOME_FLOW as FlowDefinition), reentry: { mode: "never", dayz: 3 } };
    expect(errorOf(typo)).toMatch(/dayz/);
  });

  it("rejects unknown trigger events and event counts without bounds", () => {
    expect(errorOf({ ...(minimal([send("a", null)]) as object), trigger: { kind: "event", event: "Placed Orders" } })).toBeTruthy();
    const unbounded = { kind: "event_count", event: "Placed Order", since: "flow_start" };
    expect(errorOf({ ...(minimal([send("a", null)]) as object), filters: [unbounded] })).toMatch(/atLeast or atMost/);
  });

  it("checks the step graph: dangling ids, duplicates, missing start, cycles, unreachable steps", () => {
    expect(errorOf(minimal([send("a", "b")]))).toMatch(/unknown step "b"/);
    expect(errorOf(minimal([send("a", null), send("a", null)]))).toMatch(/duplicate step id "a"/);
    expect(errorOf(minimal([send("a", null)], "z"))).toMatch(/start step "z"/);
    expect(errorOf(minimal([send("a", "b"), send("b", "a")]))).toMatch(/cycle/);
    expect(errorOf(minimal([send("a", null), send("b", null)]))).toMatch(/"b" is unreachable/);
  });

  it("accepts converging branches (a DAG) and rejects duplicate variant ids", () => {
    const ab = (variants: { id: string; weight: number; next: string }[]) => ({ id: "a", kind: "ab_split", variants });
    expect(parseFlowDefinition(minimal([ab([{ id: "x", weight: 1, next: "b" }, { id: "y", weight: 1, next: "b" }]), send("b", null)])).ok).toBe(true);
    expect(errorOf(minimal([ab([{ id: "x", weight: 1, next: "b" }, { id: "x", weight: 1, next: "b" }]), send("b", null)]))).toMatch(
      /duplicate variant ids/,
    );
  });

  it("only allows https webhooks", () => {
    const hook = (url: string) => minimal([{ id: "a", kind: "webhook", url, next: null }]);
    expect(parseFlowDefinition(hook("https://example.com/hook")).ok).toBe(true);
    expect(parseFlowDefinition(hook("http://example.com/hook")).ok).toBe(false);
  });

  it("validates nested conditions", () => {
    const condition = { kind: "not", condition: { kind: "any", of: [{ kind: "profile", path: "ordersCount", op: "gte", value: 2 }] } };
    expect(parseFlowDefinition({ ...(minimal([send("a", null)]) as object), filters: [condition] }).ok).toBe(true);
    const bad = { kind: "not", condition: { kind: "profile", path: "ordersCount", op: "between", value: 2 } };
    expect(parseFlowDefinition({ ...(minimal([send("a", null)]) as object), filters: [bad] }).ok).toBe(false);
  });
});
