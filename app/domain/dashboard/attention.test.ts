import { describe, expect, it } from "vitest";
import {
  attentionWindowStart,
  discountSpikeAlert,
  needsAttention,
  participantSpikeAlert,
  unsubscribeRateAlert,
  type FlowDaily,
} from "./attention";
import { addDays, dayList } from "./days";

const TODAY = "2026-11-24";

/** A daily series: `perDay` on each of the `days` days ending `end`, plus any exact days. */
function series(perDay: number, days: number, end: string, exact: Record<string, number> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const day of dayList(addDays(end, -(days - 1)), end)) out[day] = perDay;
  return { ...out, ...exact };
}

function flow(counts: FlowDaily["counts"], liveSince: string | null = null): FlowDaily {
  return { flowId: "f1", name: "Welcome series", liveSince, counts };
}

const lastWeek = (perDay: number) => series(perDay, 7, TODAY);
const monthBefore = (perDay: number) => series(perDay, 28, addDays(TODAY, -7));
const both = (recent: number, before: number) => ({ ...monthBefore(before), ...lastWeek(recent) });

describe("unsubscribeRateAlert", () => {
  it("fires when the last 7 days' rate is well above the 28 days before", () => {
    // 700 sent, 14 unsubscribed (2 %) against 0.5 % before.
    const alert = unsubscribeRateAlert(flow({ sent: both(100, 100), unsubscribed: both(2, 0.5) }), TODAY);
    expect(alert).toMatchObject({ kind: "unsubscribe_rate", flowId: "f1", title: "Welcome series: unsubscribes are rising" });
    expect(alert!.detail).toContain("14 of 700 recipients unsubscribed in the last 7 days (2.0 %)");
    expect(alert!.detail).toContain("against 0.5 % in the 28 days before");
  });

  it("stays quiet when the rate is steady, or rose by less than double or by a hair", () => {
    expect(unsubscribeRateAlert(flow({ sent: both(100, 100), unsubscribed: both(1, 1) }), TODAY)).toBeNull();
    expect(unsubscribeRateAlert(flow({ sent: both(100, 100), unsubscribed: both(1.5, 1) }), TODAY)).toBeNull();
    // From 0.05 % to 0.12 %: more than double, but 0.07 points is noise.
    expect(unsubscribeRateAlert(flow({ sent: both(1000, 1000), unsubscribed: both(1.2, 0.5) }), TODAY)).toBeNull();
  });

  it("needs a minimum volume: 1 unsubscribe of 3 emails, or 4 of 150, says nothing", () => {
    expect(unsubscribeRateAlert(flow({ sent: { [TODAY]: 3, ...monthBefore(100) }, unsubscribed: { [TODAY]: 1 } }), TODAY)).toBeNull();
    expect(unsubscribeRateAlert(flow({ sent: { ...monthBefore(100), [TODAY]: 150 }, unsubscribed: { [TODAY]: 4 } }), TODAY)).toBeNull();
    // The same rate with enough volume does fire.
    expect(unsubscribeRateAlert(flow({ sent: { ...monthBefore(100), [TODAY]: 300 }, unsubscribed: { [TODAY]: 8 } }), TODAY)).not.toBeNull();
  });

  it("without a baseline, speaks only of a plainly high rate and says there is nothing to compare with", () => {
    const fresh = unsubscribeRateAlert(flow({ sent: lastWeek(100), unsubscribed: lastWeek(3) }), TODAY);
    expect(fresh).toMatchObject({ title: "Welcome series: high unsubscribe rate" });
    expect(fresh!.detail).toMatch(/too few earlier emails to compare/);
    expect(unsubscribeRateAlert(flow({ sent: lastWeek(100), unsubscribed: lastWeek(1) }), TODAY)).toBeNull();
  });

  it("ignores counters outside its 35 days", () => {
    const old = { [addDays(TODAY, -35)]: 10_000 };
    expect(unsubscribeRateAlert(flow({ sent: { ...both(100, 100), ...old }, unsubscribed: both(2, 0.5) }), TODAY)).not.toBeNull();
    expect(attentionWindowStart(TODAY)).toBe(addDays(TODAY, -34));
  });
});

describe("participant and discount spikes", () => {
  const baseline = (perDay: number) => series(perDay, 28, addDays(TODAY, -2));

  it("fires on a day at three times the usual level and above the minimum, naming the day", () => {
    const alert = participantSpikeAlert(flow({ entered: { ...baseline(10), [addDays(TODAY, -1)]: 45, [TODAY]: 12 } }), TODAY);
    expect(alert).toMatchObject({ kind: "participant_spike", title: "Welcome series: sudden rise in people entering" });
    expect(alert!.detail).toContain("45 people entered yesterday, against about 10 a day");
    const today = participantSpikeAlert(flow({ entered: { ...baseline(10), [TODAY]: 31 } }), TODAY);
    expect(today!.detail).toContain("31 people entered today");
  });

  it("stays quiet below three times the usual level, and below the minimum count however steep", () => {
    expect(participantSpikeAlert(flow({ entered: { ...baseline(10), [TODAY]: 29 } }), TODAY)).toBeNull();
    // From nothing to 19 is steep, but 19 people is an ordinary day for a small shop.
    expect(participantSpikeAlert(flow({ entered: { ...baseline(0), [TODAY]: 19 } }), TODAY)).toBeNull();
    expect(participantSpikeAlert(flow({ entered: { ...baseline(0), [TODAY]: 20 } }), TODAY)!.detail).toContain("fewer than 1 a day");
  });

  it("has no baseline for a flow switched on a few days ago, so a busy first day is not a spike", () => {
    const liveSince = addDays(TODAY, -5);
    expect(participantSpikeAlert(flow({ entered: { [TODAY]: 500 } }, liveSince), TODAY)).toBeNull();
    // Live for nine days: seven baseline days before yesterday are enough.
    const nineDays = addDays(TODAY, -8);
    const alert = participantSpikeAlert(flow({ entered: { ...series(5, 7, addDays(TODAY, -2)), [TODAY]: 60 } }, nineDays), TODAY);
    expect(alert!.detail).toContain("about 5 a day");
  });

  it("counts only the days since the flow went live in its usual level", () => {
    // 20 days live at 10 a day: the usual level is 10, not 10 x 20 / 28.
    const liveSince = addDays(TODAY, -21);
    expect(participantSpikeAlert(flow({ entered: { ...series(10, 20, addDays(TODAY, -2)), [TODAY]: 25 } }, liveSince), TODAY)).toBeNull();
  });

  it("judges discount codes used the same way, with a lower minimum", () => {
    const alert = discountSpikeAlert(flow({ discount_redeemed: { ...baseline(2), [TODAY]: 12 } }), TODAY);
    expect(alert).toMatchObject({ kind: "discount_spike", title: "Welcome series: sudden rise in discount codes used" });
    expect(alert!.detail).toContain("12 orders used this flow's discount codes today, against about 2 a day");
    expect(discountSpikeAlert(flow({ discount_redeemed: { ...baseline(2), [TODAY]: 9 } }), TODAY)).toBeNull();
    expect(discountSpikeAlert(flow({}), TODAY)).toBeNull();
  });
});

describe("needsAttention", () => {
  it("lists every flow's findings, discount spikes first", () => {
    const quiet: FlowDaily = { flowId: "q", name: "Winback", liveSince: null, counts: { sent: both(100, 100), unsubscribed: both(0.5, 0.5) } };
    const noisy: FlowDaily = {
      flowId: "n",
      name: "Abandoned checkout",
      liveSince: null,
      counts: {
        sent: both(100, 100),
        unsubscribed: both(2, 0.5),
        entered: { ...series(10, 28, addDays(TODAY, -2)), [TODAY]: 50 },
        discount_redeemed: { ...series(1, 28, addDays(TODAY, -2)), [TODAY]: 15 },
      },
    };
    expect(needsAttention([quiet, noisy], TODAY).map((a) => [a.flowName, a.kind])).toEqual([
      ["Abandoned checkout", "discount_spike"],
      ["Abandoned checkout", "unsubscribe_rate"],
      ["Abandoned checkout", "participant_spike"],
    ]);
    expect(needsAttention([quiet], TODAY)).toEqual([]);
  });
});
