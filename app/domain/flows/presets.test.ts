import { describe, expect, it } from "vitest";
import { parseFlowDefinition } from "./definition";
import { factsNeeded, wakeEvents } from "./facts";
import { findPreset, FLOW_PRESETS } from "./presets";

describe("preset catalogue", () => {
  it("has the six presets in order with their catalogue fields", () => {
    expect(FLOW_PRESETS.map((p) => p.preset)).toEqual([
      "welcome",
      "browse_abandonment",
      "abandoned_checkout",
      "post_purchase",
      "winback",
      "sunset",
    ]);
    for (const p of FLOW_PRESETS) {
      expect(p.name && p.trigger && p.description).toBeTruthy();
      expect(p.rationale.length).toBeGreaterThan(200);
    }
    expect(findPreset("winback")?.name).toBe("Winback");
    expect(findPreset("nope")).toBeUndefined();
    expect(findPreset(null)).toBeUndefined();
  });

  it.each(FLOW_PRESETS.map((p) => [p.preset, p] as const))("%s parses, also from stored JSON", (_name, preset) => {
    const result = parseFlowDefinition(JSON.parse(JSON.stringify(preset.definition)));
    expect(result.ok ? result.value : result.error).toEqual(preset.definition);
  });

  it("tells the worker which events to load and which wake runs", () => {
    const needs = (preset: string) => factsNeeded(findPreset(preset)!.definition);
    expect(needs("abandoned_checkout")).toEqual({ eventNames: ["Placed Order", "Updated Checkout"], lookbackDays: 0 });
    expect(needs("sunset")).toEqual({
      eventNames: ["Clicked Email", "Opened Email", "Placed Order", "Received Email"],
      lookbackDays: 180,
    });
    expect(wakeEvents(findPreset("post_purchase")!.definition)).toEqual(["Cancelled Order", "Fulfilled Order", "Refunded Order"]);
    expect(wakeEvents(findPreset("browse_abandonment")!.definition)).toEqual([]);
  });
});
