import { describe, expect, it } from "vitest";
import { mergeProfileFields, type MergeableProfile } from "./merge";

const base = (over: Partial<MergeableProfile>): MergeableProfile => ({
  id: "p",
  createdAt: new Date("2026-01-01"),
  email: null,
  phone: null,
  firstName: null,
  lastName: null,
  shopifyCustomerId: null,
  emailConsent: "unknown",
  emailConsentAt: null,
  emailConsentSource: null,
  factsAsOf: null,
  ordersCount: 0,
  revenueMinor: 0n,
  refundedMinor: 0n,
  firstOrderAt: null,
  lastOrderAt: null,
  lastActiveAt: null,
  leadScore: 0,
  ...over,
});

describe("profile merge", () => {
  it("keeps the oldest, adds counts, widens dates and takes the newest consent", () => {
    const visitor = base({
      id: "visitor",
      createdAt: new Date("2026-02-01"),
      email: "ann@example.com",
      emailConsent: "subscribed",
      emailConsentAt: new Date("2026-02-02"),
      emailConsentSource: "signup form",
      lastActiveAt: new Date("2026-03-01"),
    });
    const customer = base({
      id: "customer",
      createdAt: new Date("2026-01-15"),
      shopifyCustomerId: "9007199254740993",
      firstName: "Ann",
      emailConsent: "unsubscribed",
      emailConsentAt: new Date("2026-01-20"),
      ordersCount: 2,
      revenueMinor: 5000n,
      firstOrderAt: new Date("2026-01-16"),
      lastOrderAt: new Date("2026-02-10"),
    });
    const { survivorId, merged } = mergeProfileFields([visitor, customer]);
    expect(survivorId).toBe("customer");
    expect(merged).toMatchObject({
      email: "ann@example.com",
      shopifyCustomerId: "9007199254740993",
      firstName: "Ann",
      emailConsent: "subscribed",
      emailConsentSource: "signup form",
      ordersCount: 2,
      revenueMinor: 5000n,
      lastActiveAt: new Date("2026-03-01"),
    });
  });

  it("refuses to merge nothing", () => {
    expect(() => mergeProfileFields([])).toThrow();
  });
});
