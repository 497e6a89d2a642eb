import { describe, expect, it } from "vitest";
import { parseCampaignDefinition, scheduleProblem } from "./definition";

const base = {
  name: "Black Friday",
  segmentIds: ["seg_vip"],
  excludeSegmentIds: ["seg_recent"],
  variants: [{ id: "a", subject: "20% off everything" }],
  schedule: { kind: "now" },
  smartSending: true,
};

function error(input: unknown): string {
  const r = parseCampaignDefinition(input);
  if (r.ok) throw new Error("expected a problem");
  return r.error;
}

describe("campaign definition", () => {
  it("accepts a plain send, a scheduled send, a local-time send and an A/B test", () => {
    expect(parseCampaignDefinition(base).ok).toBe(true);
    expect(parseCampaignDefinition({ ...base, schedule: { kind: "at", at: "2026-11-27T08:00:00Z" } }).ok).toBe(true);
    expect(parseCampaignDefinition({ ...base, schedule: { kind: "local_time", date: "2026-11-27", time: "09:30" } }).ok).toBe(true);
    const ab = {
      ...base,
      variants: [{ id: "a", subject: "20% off" }, { id: "b", subject: "Our biggest sale" }],
      abTest: { testPercent: 20, metric: "revenue", windowHours: 4 },
    };
    expect(parseCampaignDefinition(ab).ok).toBe(true);
  });

  it("trims names and subjects", () => {
    const r = parseCampaignDefinition({ ...base, name: "  Sale  ", variants: [{ id: "a", subject: " Hi " }] });
    expect(r.ok && r.value.name).toBe("Sale");
    expect(r.ok && r.value.variants[0]!.subject).toBe("Hi");
  });

  it("rejects missing, oversized and inconsistent fields with a sentence naming the field", () => {
    expect(error({ ...base, segmentIds: [] })).toMatch(/segmentIds: at least one segment/);
    expect(error({ ...base, name: "x".repeat(201) })).toMatch(/^name:/);
    expect(error({ ...base, name: "   " })).toMatch(/^name: a name/);
    expect(error({ ...base, segmentIds: Array.from({ length: 21 }, (_, i) => `s${i}`) })).toMatch(/^segmentIds:/);
    expect(error({ ...base, segmentIds: ["a", "a"] })).toMatch(/chosen twice/);
    expect(error({ ...base, excludeSegmentIds: ["seg_vip"] })).toMatch(/both included and excluded/);
    expect(error({ ...base, variants: [{ id: "a", subject: "x" }, { id: "b", subject: "y" }] })).toMatch(/needs an A\/B test/);
    expect(error({ ...base, abTest: { testPercent: 20, metric: "click", windowHours: 4 } })).toMatch(/at least two variants/);
    expect(error({ ...base, variants: [{ id: "a", subject: "x" }, { id: "a", subject: "y" }], abTest: { testPercent: 20, metric: "click", windowHours: 4 } })).toMatch(/must differ/);
    expect(error({ ...base, abTest: { testPercent: 80, metric: "click", windowHours: 4 }, variants: [{ id: "a", subject: "x" }, { id: "b", subject: "y" }] })).toMatch(/testPercent/);
    expect(error({ ...base, abTest: { testPercent: 20, metric: "opens", windowHours: 4 }, variants: [{ id: "a", subject: "x" }, { id: "b", subject: "y" }] })).toMatch(/metric/);
    expect(error({ ...base, variants: [{ id: "A B", subject: "x" }] })).toMatch(/variants.0.id/);
    expect(error({ ...base, schedule: { kind: "local_time", date: "2026-02-30", time: "09:00" } })).toMatch(/calendar date/);
    expect(error({ ...base, schedule: { kind: "local_time", date: "2026-02-03", time: "24:00" } })).toMatch(/time of day/);
    expect(error({ ...base, schedule: { kind: "at", at: "tomorrow" } })).toMatch(/schedule.at/);
    expect(error({ ...base, extra: 1 })).toMatch(/extra|Unrecognized/);
    expect(error(null)).toBeTruthy();
  });
});

describe("schedule against the clock", () => {
  const now = new Date("2026-11-25T08:00:00Z");
  it("refuses past and far-future instants", () => {
    expect(scheduleProblem({ kind: "now" }, now)).toBeNull();
    expect(scheduleProblem({ kind: "at", at: "2026-11-25T09:00:00Z" }, now)).toBeNull();
    expect(scheduleProblem({ kind: "at", at: "2026-11-24T09:00:00Z" }, now)).toMatch(/past/);
    expect(scheduleProblem({ kind: "at", at: "2028-11-24T09:00:00Z" }, now)).toMatch(/year ahead/);
  });

  it("allows a local date while it is still that day somewhere on Earth", () => {
    // At 25 Nov 08:00 UTC it is still 24 Nov in Honolulu (UTC-10); 23 Nov has ended everywhere.
    expect(scheduleProblem({ kind: "local_time", date: "2026-11-24", time: "22:00" }, now)).toBeNull();
    expect(scheduleProblem({ kind: "local_time", date: "2026-11-23", time: "22:00" }, now)).toMatch(/past/);
    expect(scheduleProblem({ kind: "local_time", date: "2028-01-01", time: "09:00" }, now)).toMatch(/year ahead/);
  });
});
