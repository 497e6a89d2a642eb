import { describe, expect, it } from "vitest";
import { describeCondition, describeDelay, describeDuration, describeTrigger, flowOutline } from "./describe";
import { ABANDONED_CHECKOUT_FLOW, POST_PURCHASE_FLOW, SUNSET_FLOW, WELCOME_FLOW, WINBACK_FLOW } from "./preset-definitions";

describe("flow descriptions", () => {
  it("words durations and delays", () => {
    expect(describeDuration({ amount: 1, unit: "days" })).toBe("1 day");
    expect(describeDuration({ amount: 4, unit: "hours" })).toBe("4 hours");
    expect(describeDelay({ kind: "duration", duration: { amount: 4, unit: "hours" }, from: "step" })).toBe("Wait 4 hours");
    expect(describeDelay({ kind: "time_of_day", time: "10:00" })).toBe("Wait until 10:00 (shop time)");
    expect(describeDelay({ kind: "order_gap", multiple: 1.5, minimum: { amount: 180, unit: "days" } })).toBe(
      "Wait the later of 180 days and 1.5× the customer's usual gap between orders"
    );
  });

  it("words conditions as yes/no questions", () => {
    expect(describeCondition({ kind: "profile", path: "ordersCount", op: "lte", value: 1 })).toBe("Profile: orders placed ≤ 1");
    expect(describeCondition({ kind: "event_count", event: "Added to Cart", since: "flow_start", atMost: 0 })).toBe(
      "No Added to Cart since the flow started"
    );
    expect(describeCondition({ kind: "event_count", event: "Opened Email", since: { days: 30 }, atLeast: 2, atMost: 5 })).toBe(
      "Opened Email at least 2 and at most 5 times in the last 30 days"
    );
    expect(describeCondition({ kind: "not", condition: { kind: "profile", path: "properties.vip", op: "exists" } })).toBe(
      "Not (Profile: vip is set)"
    );
  });

  it("words triggers", () => {
    expect(describeTrigger(WELCOME_FLOW.trigger)).toBe("When Subscribed to Email (not a returning subscriber) happens");
    expect(describeTrigger(SUNSET_FLOW.trigger)).toContain("at least 10 emails in 180 days");
    expect(describeTrigger({ kind: "date_property", property: "properties.birthday", offsetDays: -3, time: "09:00" })).toBe(
      "3 days before the profile's birthday at 09:00"
    );
  });

  it("outlines a linear flow without redundant links, ending explicitly", () => {
    const outline = flowOutline(WELCOME_FLOW);
    expect(outline.map((s) => [s.number, s.title])).toEqual([
      [1, "Send email"],
      [2, "Wait 2 days from the start of the flow"],
      [3, "Send email"],
      [4, "Wait 4 days from the start of the flow"],
      [5, "Send email"],
    ]);
    expect(outline[0].detail).toBe("Welcome to {{ shop.name }}");
    expect(outline.slice(0, 4).every((s) => s.links.length === 0)).toBe(true);
    expect(outline[4].links).toEqual([{ label: "Then", to: null }]);
  });

  it("outlines branches: condition yes/no and weighted A/B variants", () => {
    const checkout = flowOutline(ABANDONED_CHECKOUT_FLOW);
    const split = checkout.find((s) => s.kind === "ab_split")!;
    expect(split.detail).toBe("24h 50% / 48h 50%");
    expect(split.links).toEqual([
      { label: "Variant 24h", to: { number: 4, id: "wait_24_hours" } },
      { label: "Variant 48h", to: { number: 5, id: "wait_48_hours" } },
    ]);
    // wait_24_hours jumps over wait_48_hours to the second email.
    expect(checkout[3].links).toEqual([{ label: "Then", to: { number: 6, id: "checkout_2" } }]);

    const post = flowOutline(POST_PURCHASE_FLOW);
    expect(post[0]).toMatchObject({
      id: "first_order",
      detail: "Profile: orders placed ≤ 1",
      links: [
        { label: "Yes", to: { number: 2, id: "thanks_first" } },
        { label: "No", to: { number: 3, id: "thanks_repeat" } },
      ],
    });
  });

  it("puts the start step first and describes every step kind it meets", () => {
    const outline = flowOutline({ ...WINBACK_FLOW, start: "wait_overdue" });
    expect(outline[0].id).toBe("wait_overdue");
    const sunset = flowOutline(SUNSET_FLOW);
    expect(sunset.at(-1)).toMatchObject({ kind: "update_profile", detail: "Suppress from marketing (sunset)" });
  });
});
