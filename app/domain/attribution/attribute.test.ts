import { describe, expect, it } from "vitest";
import { adjustCredit, attributeOrder, explainCredit, lookbackHours, ruleLabel, type AttributionSettings, type Touch } from "./attribute";

const ORDER = new Date("2026-11-20T12:00:00Z");
const before = (hours: number, seconds = 0) => new Date(ORDER.getTime() - hours * 3_600_000 - seconds * 1000);
const SETTINGS: AttributionSettings = { rule: "click_then_open", clickWindowHours: 120, openWindowHours: 24, excludeMachineOpens: true };
const click = (messageId: string, at: Date): Touch => ({ messageId, kind: "click", at, machine: false });
const open = (messageId: string, at: Date, machine = false): Touch => ({ messageId, kind: "open", at, machine });

describe("attributeOrder", () => {
  it("credits the last click in the click window over any later open", () => {
    const touches = [click("m-old", before(100)), click("m-click", before(50)), open("m-open", before(1))];
    expect(attributeOrder(ORDER, touches, SETTINGS)).toEqual({ messageId: "m-click", touch: "click", touchedAt: before(50), rule: "click_then_open:120h/24h" });
  });

  it("counts a click exactly at the window's edge, not one second before it, and never after the order", () => {
    expect(attributeOrder(ORDER, [click("edge", before(120))], SETTINGS)?.messageId).toBe("edge");
    expect(attributeOrder(ORDER, [click("late", before(120, 1))], SETTINGS)).toBeNull();
    expect(attributeOrder(ORDER, [click("after", new Date(ORDER.getTime() + 1000))], SETTINGS)).toBeNull();
    expect(attributeOrder(ORDER, [click("same instant", ORDER)], SETTINGS)?.messageId).toBe("same instant");
  });

  it("falls back to the last human open in the open window, with its own edges", () => {
    expect(attributeOrder(ORDER, [open("o1", before(30)), open("o2", before(24))], SETTINGS)).toMatchObject({ messageId: "o2", touch: "open" });
    expect(attributeOrder(ORDER, [open("o", before(24, 1))], SETTINGS)).toBeNull();
    // A click outside its window does not block an open inside its own.
    expect(attributeOrder(ORDER, [click("c", before(121)), open("o", before(2))], SETTINGS)?.messageId).toBe("o");
  });

  it("leaves machine opens out unless the shop counts them, and ignores opens under click_only", () => {
    const touches = [open("human", before(10)), open("machine", before(1), true)];
    expect(attributeOrder(ORDER, touches, SETTINGS)?.messageId).toBe("human");
    expect(attributeOrder(ORDER, touches, { ...SETTINGS, excludeMachineOpens: false })?.messageId).toBe("machine");
    expect(attributeOrder(ORDER, [open("machine", before(1), true)], SETTINGS)).toBeNull();
    expect(attributeOrder(ORDER, [open("human", before(1))], { ...SETTINGS, rule: "click_only" })).toBeNull();
  });

  it("breaks a tie on the same instant by message id, whatever the order touches come in", () => {
    const a = [click("m-b", before(3)), click("m-a", before(3))];
    expect(attributeOrder(ORDER, a, SETTINGS)?.messageId).toBe("m-a");
    expect(attributeOrder(ORDER, [...a].reverse(), SETTINGS)?.messageId).toBe("m-a");
  });

  it("labels the rule in force and how far back touches matter", () => {
    expect(ruleLabel({ ...SETTINGS, rule: "click_only" })).toBe("click_only:120h");
    expect(ruleLabel({ ...SETTINGS, excludeMachineOpens: false })).toBe("click_then_open:120h/24h:machine_opens");
    expect(lookbackHours(SETTINGS)).toBe(120);
    expect(lookbackHours({ ...SETTINGS, openWindowHours: 200 })).toBe(200);
    expect(lookbackHours({ ...SETTINGS, rule: "click_only", openWindowHours: 200 })).toBe(120);
  });
});

describe("adjustCredit", () => {
  it("takes refunds and cancellations back, and follows an order edited upwards", () => {
    expect(adjustCredit({ revenueMinor: 10_000n, refundedMinor: 0n }, 7_500n)).toEqual({ revenueMinor: 10_000n, refundedMinor: 2_500n, delta: -2_500n });
    expect(adjustCredit({ revenueMinor: 10_000n, refundedMinor: 2_500n }, 0n)).toEqual({ revenueMinor: 10_000n, refundedMinor: 10_000n, delta: -7_500n });
    expect(adjustCredit({ revenueMinor: 10_000n, refundedMinor: 0n }, 12_000n)).toEqual({ revenueMinor: 12_000n, refundedMinor: 0n, delta: 2_000n });
    expect(adjustCredit({ revenueMinor: 10_000n, refundedMinor: 0n }, 10_000n).delta).toBe(0n);
  });
});

describe("explainCredit", () => {
  it("says which email, which touch, how long before the order and under which rule", () => {
    const text = explainCredit({ touch: "click", touchedAt: before(51), orderedAt: ORDER, rule: "click_then_open:120h/24h", subject: "You left something behind" });
    expect(text).toBe("Clicked “You left something behind” 2 days 3 hours before the order (click window 5 days; rule: last click, else last open).");
    expect(explainCredit({ touch: "open", touchedAt: before(0, 1800), orderedAt: ORDER, rule: "click_then_open:120h/36h", subject: "Hi" })).toBe(
      "Opened “Hi” 30 minutes before the order (open window 36 hours, no click in the click window; rule: last click, else last open).",
    );
  });
});
