import { describe, expect, it } from "vitest";
import { splitCounters, type CounterRow } from "./rankings";

const row = (flowId: string, stepId: string, campaignId: string, metric: string, value: bigint): CounterRow => ({ flowId, stepId, campaignId, metric, value });

describe("splitCounters", () => {
  it("gives totals of every metric, and per flow and per message the ranking metrics only", () => {
    const split = splitCounters([
      row("f1", "s1", "", "sent", 10n),
      row("f1", "s1", "", "revenue", 500n),
      row("f1", "s2", "", "sent", 4n),
      row("f1", "", "", "entered", 30n), // a flow's own counter: no message, not a ranking metric
      row("", "", "c1", "sent", 100n),
      row("", "", "c1", "revenue", 2_000n),
      row("", "", "", "store_revenue", 9_000n), // the store's: neither a flow nor a message
      row("f2", "s1", "", "revenue", -50n), // a refund after the period's orders
    ]);
    expect(split.totals).toEqual({ sent: 114n, revenue: 2_450n, entered: 30n, store_revenue: 9_000n });
    expect(split.byFlow).toEqual(new Map([["f1", { sent: 14n, revenue: 500n }], ["f2", { revenue: -50n }]]));
    expect(split.byMessage).toEqual([
      { flowId: "f1", stepId: "s1", campaignId: "", counters: { sent: 10n, revenue: 500n } },
      { flowId: "f1", stepId: "s2", campaignId: "", counters: { sent: 4n } },
      { flowId: "", stepId: "", campaignId: "c1", counters: { sent: 100n, revenue: 2_000n } },
      { flowId: "f2", stepId: "s1", campaignId: "", counters: { revenue: -50n } },
    ]);
  });
});
