import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING } from "./rules";
import { filterValueFromText, filterValueToText, problemPlace } from "./editor";
import { crmUrlProblem, parseScoringForm } from "./form";

describe("the rules form", () => {
  it("explains the first problem in the merchant's words, and where it is", () => {
    const form = new URLSearchParams({ intent: "rules", config: JSON.stringify({ ...DEFAULT_SCORING, threshold: null }) });
    expect(parseScoringForm(form)).toEqual({ ok: false, section: "rules", message: "Please fix the rules", errors: { threshold: "The sales-ready score must be a number" } });
    const points = new URLSearchParams({ intent: "rules", config: JSON.stringify({ ...DEFAULT_SCORING, eventRules: [{ id: "a", event: "Added to Cart", points: 2.5 }] }) });
    expect(parseScoringForm(points)).toMatchObject({ errors: { "eventRules.0.points": "Points must be a whole number" } });
    expect(problemPlace("eventRules.2.points")).toBe("Event rule 3");
    expect(problemPlace("propertyRules.0.filter.path")).toBe("Property rule 1");
    expect(problemPlace("threshold")).toBe("");
  });
});

describe("the hand-off form", () => {
  it("keeps a public https address and refuses what cannot be a CRM", () => {
    expect(crmUrlProblem("https://crm.example.com/hooks?x=1")).toBeNull();
    expect(crmUrlProblem("https://93.184.216.34/hook")).toBeNull();
    for (const url of ["http://crm.example.com", "https://crm", "https://printer.local/x", "https://x.internal/", "https://[fd00::1]/", "https://0.0.0.0/", "https://a b.com/"]) {
      expect(crmUrlProblem(url), url).not.toBeNull();
    }
  });

  it("stores empty fields as none", () => {
    expect(parseScoringForm(new URLSearchParams({ intent: "handoff", salesReadyTag: "  ", crmWebhookUrl: "" }))).toEqual({
      ok: true,
      update: { section: "handoff", values: { salesReadyTag: null, crmWebhookUrl: null } },
    });
  });
});

describe("filter values typed as text", () => {
  it("reads booleans and numbers as such, lists for 'is one of', and shows them back the same way", () => {
    expect(filterValueFromText("eq", " true ")).toBe(true);
    expect(filterValueFromText("gte", "100")).toBe(100);
    expect(filterValueFromText("eq", "19.90")).toBe(19.9);
    expect(filterValueFromText("eq", "gold")).toBe("gold");
    expect(filterValueFromText("in", "gold, silver,3")).toEqual(["gold", "silver", 3]);
    expect(filterValueToText(["gold", "silver", 3])).toBe("gold, silver, 3");
    expect(filterValueToText(true)).toBe("true");
    expect(filterValueToText(undefined)).toBe("");
  });
});
