import { describe, expect, it } from "vitest";
import { normalizeCustomer } from "../events/customers";
import { normalizeBackfilledCustomer } from "./customers";

const BIG_ID = "9007199254740993"; // 2^53 + 1: a double cannot hold it

function line(overrides: Record<string, unknown> = {}) {
  return {
    id: `gid://shopify/Customer/${BIG_ID}`,
    email: "  Olivia.Smith@Example.COM ",
    phone: "+1 (555) 010-9999",
    firstName: "Olivia",
    lastName: "Smith",
    createdAt: "2025-01-01T10:00:00Z",
    updatedAt: "2026-01-05T10:00:00Z",
    emailMarketingConsent: { marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", consentUpdatedAt: "2025-03-01T09:30:00Z" },
    ...overrides,
  };
}

function value(result: ReturnType<typeof normalizeBackfilledCustomer>) {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe("normalizeBackfilledCustomer", () => {
  it("keeps the id exact and normalises email and phone as the webhooks do", () => {
    const n = value(normalizeBackfilledCustomer(line()));
    expect(n.identity).toEqual({ shopifyCustomerId: BIG_ID, email: "olivia.smith@example.com", phone: "+15550109999" });
    expect(n.profile).toMatchObject({ firstName: "Olivia", lastName: "Smith", asOf: new Date("2026-01-05T10:00:00Z") });
  });

  it("reads GraphQL's consent enums and dates the subscription with the same sourceId as customers/update", () => {
    const n = value(normalizeBackfilledCustomer(line()));
    expect(n.profile?.emailConsent).toEqual({ state: "subscribed", at: new Date("2025-03-01T09:30:00Z"), source: "shopify" });
    const webhook = normalizeCustomer("customers/update", {
      id: BIG_ID,
      email: "olivia.smith@example.com",
      first_name: "Olivia",
      last_name: "Smith",
      updated_at: "2026-01-05T10:00:00Z",
      email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: "2025-03-01T09:30:00Z" },
    });
    if (!webhook.ok) throw new Error(webhook.error);
    expect(n.events.map((e) => e.sourceId)).toEqual([`consent:${BIG_ID}:subscribed:2025-03-01T09:30:00.000Z`]);
    expect(n.events).toEqual(webhook.value.events);
  });

  it("maps the other states; NOT_SUBSCRIBED asserts no event", () => {
    const state = (marketingState: string) =>
      value(normalizeBackfilledCustomer(line({ emailMarketingConsent: { marketingState, consentUpdatedAt: "2025-04-01T00:00:00Z" } })));
    expect(state("UNSUBSCRIBED").profile?.emailConsent?.state).toBe("unsubscribed");
    expect(state("UNSUBSCRIBED").events.map((e) => e.name)).toEqual(["Unsubscribed from Email"]);
    expect(state("PENDING").profile?.emailConsent?.state).toBe("pending");
    expect(state("NOT_SUBSCRIBED").profile?.emailConsent?.state).toBe("unknown");
    expect(state("NOT_SUBSCRIBED").events).toEqual([]);
  });

  it("without consent or names asserts only identity", () => {
    const n = value(normalizeBackfilledCustomer(line({ firstName: null, lastName: null, emailMarketingConsent: null, phone: null })));
    expect(n.profile).toBeUndefined();
    expect(n.events).toEqual([]);
    expect(n.identity).toEqual({ shopifyCustomerId: BIG_ID, email: "olivia.smith@example.com" });
  });

  it("rejects a line that is not a customer, saying why", () => {
    const result = normalizeBackfilledCustomer(line({ id: "gid://shopify/Order/1" }));
    expect(result).toEqual({ ok: false, error: expect.stringContaining("expected a Customer gid") });
    expect(normalizeBackfilledCustomer(line({ updatedAt: "yesterday" })).ok).toBe(false);
  });
});
