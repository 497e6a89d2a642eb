import { describe, expect, it } from "vitest";
import { recipientSkip, type RecipientFacts } from "./audience";

const now = new Date("2026-11-25T12:00:00Z");
const ok: RecipientFacts = { email: "a@example.com", emailConsent: "subscribed", suppressed: false, excluded: false, lastMarketingEmailAt: null };
const rules = { now, smartSendingHours: 16 };

describe("recipient rules", () => {
  it("sends to a subscribed, unsuppressed, not excluded recipient", () => {
    expect(recipientSkip(ok, rules)).toBeNull();
  });

  it("skips without email, without explicit consent, when suppressed or excluded", () => {
    expect(recipientSkip({ ...ok, email: null }, rules)).toBe("no_email");
    for (const consent of ["unknown", "pending", "unsubscribed"]) {
      expect(recipientSkip({ ...ok, emailConsent: consent }, rules)).toBe("not_subscribed");
    }
    expect(recipientSkip({ ...ok, suppressed: true }, rules)).toBe("suppressed");
    expect(recipientSkip({ ...ok, excluded: true }, rules)).toBe("excluded");
  });

  it("applies smart sending only inside the window and only when on", () => {
    const recent = { ...ok, lastMarketingEmailAt: new Date(now.getTime() - 15 * 3_600_000) };
    const older = { ...ok, lastMarketingEmailAt: new Date(now.getTime() - 16 * 3_600_000) };
    expect(recipientSkip(recent, rules)).toBe("smart_sending");
    expect(recipientSkip(older, rules)).toBeNull();
    expect(recipientSkip(recent, { now, smartSendingHours: null })).toBeNull();
    expect(recipientSkip(recent, { now, smartSendingHours: 0 })).toBeNull();
  });
});
