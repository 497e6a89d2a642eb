import { describe, expect, it } from "vitest";
import { chooseVariant } from "./ab";
import { advanceRun } from "./engine";
import { ABANDONED_CHECKOUT_FLOW, BROWSE_ABANDONMENT_FLOW, WELCOME_FLOW } from "./preset-definitions";
import { at, DAY, HOUR, makeEvent, makeFacts, makeProfile, NO_QUIET, others, plus, sends, simulate } from "./testing.test-helper";

const t0 = at("2025-01-15T10:00:00Z");
const until = plus(t0, 60 * DAY);

describe("welcome series", () => {
  const subscribed = makeEvent("Subscribed to Email", t0, { state: "subscribed" }, "sub-1");

  it("sends at once, after 2 days and after 4 days", () => {
    const sim = simulate({ definition: WELCOME_FLOW, trigger: subscribed, until });
    expect(sends(sim)).toEqual([
      ["welcome_1", "2025-01-15T10:00:00.000Z"],
      ["welcome_2", "2025-01-17T10:00:00.000Z"],
      ["welcome_3", "2025-01-19T10:00:00.000Z"],
    ]);
    expect(sim.result?.status).toBe("completed");
  });

  it("exits the moment an order arrives", () => {
    const order = makeEvent("Placed Order", plus(t0, 3 * DAY), { orderId: "1" });
    const sim = simulate({ definition: WELCOME_FLOW, trigger: subscribed, events: [order], until });
    expect(sends(sim).map(([t]) => t)).toEqual(["welcome_1", "welcome_2"]);
    expect(others(sim)).toEqual(["exit:placed_order"]);
    expect(sim.log.at(-1)?.at).toEqual(plus(t0, 3 * DAY));
  });

  it("skips, with the reason, once the subscriber unsubscribes or is suppressed", () => {
    const profile = (now: Date) =>
      makeProfile({ emailConsent: now >= plus(t0, DAY) ? "unsubscribed" : "subscribed", suppressed: now >= plus(t0, 3 * DAY) });
    const sim = simulate({ definition: WELCOME_FLOW, trigger: subscribed, profile, until });
    expect(sends(sim).map(([t]) => t)).toEqual(["welcome_1"]);
    expect(others(sim)).toEqual(["skip:no_consent", "skip:no_consent"]);
  });

  it("postpones the second email by smart sending after a campaign", () => {
    const sim = simulate({ definition: WELCOME_FLOW, trigger: subscribed, until });
    // Replay the day-2 wake with a campaign sent an hour before it.
    const call = sim.calls.find((c) => c.run.stepId === "wait_2_days")!;
    const campaign = plus(t0, 2 * DAY - HOUR);
    const facts = { ...call.facts, lastMarketingEmailAt: campaign };
    const result = advanceRun({ definition: WELCOME_FLOW, version: 1, run: call.run, facts, now: plus(t0, 2 * DAY), settings: NO_QUIET });
    expect(result).toMatchObject({ actions: [], status: "waiting", state: { stepId: "welcome_2" } });
    expect(result.nextWakeAt).toEqual(plus(campaign, 16 * HOUR));
    const later = advanceRun({ definition: WELCOME_FLOW, version: 1, run: result.state, facts, now: result.nextWakeAt!, settings: NO_QUIET });
    expect(later.actions).toMatchObject([{ kind: "send_email", template: "welcome_2" }]);
  });

  it("keeps quiet hours in Berlin across the spring DST change, and the first email ignores smart sending", () => {
    const settings = { ...NO_QUIET, timezone: "Europe/Berlin", quietHoursStartMin: 21 * 60, quietHoursEndMin: 8 * 60 };
    const late = makeEvent("Subscribed to Email", at("2025-03-29T22:00:00Z"), {}, "sub-2"); // 23:00 CET, Saturday
    const sim = simulate({ definition: WELCOME_FLOW, trigger: late, settings, lastMarketingEmailAt: at("2025-03-29T20:00:00Z"), until: at("2025-05-01T00:00:00Z") });
    expect(sends(sim)).toEqual([
      ["welcome_1", "2025-03-30T06:00:00.000Z"], // Sunday 08:00 CEST
      ["welcome_2", "2025-04-01T06:00:00.000Z"], // due 00:00 CEST, postponed to 08:00
      ["welcome_3", "2025-04-03T06:00:00.000Z"],
    ]);
  });
});

describe("browse abandonment", () => {
  const viewed = makeEvent("Viewed Product", t0, { productId: "p-9", title: "Linen shirt" }, "view-1");

  it("sends one email with the viewed product two hours later", () => {
    const sim = simulate({ definition: BROWSE_ABANDONMENT_FLOW, trigger: viewed, until });
    expect(sends(sim)).toEqual([["browse_abandonment", "2025-01-15T12:00:00.000Z"]]);
    expect(sim.result?.state.trigger.properties).toEqual({ productId: "p-9", title: "Linen shirt" });
    expect(sim.log[0]?.action.idempotencyKey).toBe("run-1:browse_1:1:");
  });

  it.each(["Added to Cart", "Started Checkout", "Placed Order"])("skips when the visitor went on to %s", (name) => {
    const sim = simulate({ definition: BROWSE_ABANDONMENT_FLOW, trigger: viewed, events: [makeEvent(name, plus(t0, HOUR))], until });
    expect(sends(sim)).toEqual([]);
    expect(sim.log.map(({ action }) => action)).toMatchObject([{ kind: "skip", reason: "flow_filters" }]);
    expect(sim.result?.status).toBe("completed");
  });
});

describe("abandoned checkout", () => {
  const started = makeEvent("Started Checkout", t0, { checkoutToken: "tok-1", totalPrice: "80.00" }, "checkout-1");
  const split = ABANDONED_CHECKOUT_FLOW.steps.find((s) => s.id === "timing_test");
  const profileIn = (variant: string) => {
    if (split?.kind !== "ab_split") throw new Error("the preset has a timing split");
    for (let i = 0; ; i++) {
      if (chooseVariant(split.variants, { flowId: "flow-1", stepId: split.id, profileId: `p-${i}` }) === variant) return `p-${i}`;
    }
  };

  it.each([
    ["24h", "2025-01-16T10:00:00.000Z"],
    ["48h", "2025-01-17T10:00:00.000Z"],
  ])("sends at 4 h, then %s, then 72 h with a discount", (variant, second) => {
    const profileId = profileIn(variant);
    const sim = simulate({ definition: ABANDONED_CHECKOUT_FLOW, trigger: started, profile: makeProfile({ id: profileId }), until });
    expect(sends(sim)).toEqual([
      ["abandoned_checkout_1", "2025-01-15T14:00:00.000Z"],
      ["abandoned_checkout_2", second],
      ["abandoned_checkout_3", "2025-01-18T10:00:00.000Z"],
    ]);
    expect(sim.log.at(-1)?.action).toMatchObject({ kind: "send_email", discount: { kind: "percentage", value: 10 } });
    expect(sim.log.map(({ action }) => action.idempotencyKey)).toEqual([
      "run-1:checkout_1:1:",
      `run-1:checkout_2:1:${variant}`,
      `run-1:checkout_3:1:${variant}`,
    ]);
    expect(sim.result?.state.variants).toEqual({ timing_test: variant });
  });

  it("exits the moment an order arrives: no cart email after a purchase", () => {
    const order = makeEvent("Placed Order", plus(t0, 30 * HOUR), { orderId: "o-1" });
    const sim = simulate({ definition: ABANDONED_CHECKOUT_FLOW, trigger: started, events: [order], until });
    expect(sends(sim).every(([, when]) => new Date(when) < order.occurredAt)).toBe(true);
    expect(others(sim)).toEqual(["exit:placed_order"]);
    expect(sim.log.at(-1)?.at).toEqual(order.occurredAt);
  });

  it("exits on a completed checkout update for this checkout only", () => {
    const completed = (token: string) => makeEvent("Updated Checkout", plus(t0, 2 * HOUR), { checkoutToken: token, completedAt: "2025-01-15T12:00:00Z" });
    expect(others(simulate({ definition: ABANDONED_CHECKOUT_FLOW, trigger: started, events: [completed("tok-1")], until }))).toEqual([
      "exit:checkout_completed",
    ]);
    expect(sends(simulate({ definition: ABANDONED_CHECKOUT_FLOW, trigger: started, events: [completed("tok-other")], until }))).toHaveLength(3);
  });

  it("honours an order placed before the send that arrived late: present only at the later check", () => {
    // Placed 3 h 50 min in, reported at 4 h exactly (no wake of its own before the send is due).
    const late = { ...makeEvent("Placed Order", plus(t0, 3 * HOUR + 50 * 60_000), { orderId: "o-2" }), arrivedAt: plus(t0, 4 * HOUR) };
    const sim = simulate({ definition: ABANDONED_CHECKOUT_FLOW, trigger: started, events: [late], until });
    expect(sends(sim)).toEqual([]);
    expect(others(sim)).toEqual(["exit:placed_order"]);

    // And when it lands between the engine's decision and the mailer: the same facts the worker re-reads stop it.
    const before = simulate({ definition: ABANDONED_CHECKOUT_FLOW, trigger: started, until: plus(t0, 4 * HOUR) });
    const decided = before.calls.at(-1)!;
    const withOrder = makeFacts({ events: [...decided.facts.events, late] });
    const result = advanceRun({ definition: ABANDONED_CHECKOUT_FLOW, version: 1, run: decided.run, facts: withOrder, now: plus(t0, 4 * HOUR), settings: NO_QUIET });
    expect(result.actions.map((a) => a.kind)).toEqual(["exit"]);
  });
});
