import { describe, expect, it } from "vitest";
import { big, expectError, expectOk, fixtureText, fixtureWith, type Payload } from "./fixtures.test-helper";
import { normalizeWebhook } from "./normalize";

const CUSTOMER = "706405506930370084";

function consentTopic(state: string | null, consentUpdatedAt: string | null, change: (c: Payload) => void = () => {}): string {
  return fixtureWith("customers_email_marketing_consent/update", (c) => {
    c.email_marketing_consent = { state, opt_in_level: "single_opt_in", consent_updated_at: consentUpdatedAt };
    change(c);
  });
}

function customerUpdate(state: string | null, consentUpdatedAt: string | null): string {
  return fixtureWith("customers/update", (c) => {
    c.updated_at = "2024-08-01T10:00:00Z";
    c.email_marketing_consent = { state, opt_in_level: "single_opt_in", consent_updated_at: consentUpdatedAt };
  });
}

describe("customers/create and customers/update", () => {
  it("maps Shopify's sample to identity and profile facts, with no event", () => {
    for (const topic of ["customers/create", "customers/update"] as const) {
      const n = expectOk(normalizeWebhook(topic, fixtureText(topic)));
      expect(n).toEqual({
        identity: { shopifyCustomerId: CUSTOMER, email: "bob@biller.com" },
        profile: { asOf: new Date("2022-01-01T00:00:00Z"), firstName: "Bob", lastName: "Biller" },
        events: [],
      });
    }
  });

  it("normalises a varied customer: 2^64 - 1 id, email case, phone with and without +", () => {
    const body = (phone: string) =>
      fixtureWith("customers/create", (c: Payload) => {
        c.id = big("18446744073709551615");
        c.email = "  Ann.Lee@EXAMPLE.com ";
        c.phone = phone;
        c.first_name = "Ann";
        c.last_name = null;
        c.updated_at = "2024-08-01T12:00:00+05:30";
      });
    const n = expectOk(normalizeWebhook("customers/create", body(" +61 (4) 1234-5678 ")));
    expect(n.identity).toEqual({ shopifyCustomerId: "18446744073709551615", email: "ann.lee@example.com", phone: "+61412345678" });
    expect(n.profile).toEqual({ asOf: new Date("2024-08-01T06:30:00Z"), firstName: "Ann" });
    expect(expectOk(normalizeWebhook("customers/create", body(" 0412 345 678"))).identity.phone).toBe("0412 345 678");
  });

  it("rejects a customer without an id or updated_at", () => {
    const noId = fixtureWith("customers/update", (c: Payload) => delete c.id);
    expect(expectError(normalizeWebhook("customers/update", noId))).toMatch(/^customers\/update: id: /);
    const noDate = fixtureWith("customers/create", (c: Payload) => (c.updated_at = null));
    expect(expectError(normalizeWebhook("customers/create", noDate))).toMatch(/^customers\/create: updated_at: /);
  });
});

describe("customers/delete", () => {
  it("unlinks the customer", () => {
    const n = expectOk(normalizeWebhook("customers/delete", '{"id": 18446744073709551615, "phone": null, "addresses": []}'));
    expect(n).toEqual({ identity: { shopifyCustomerId: "18446744073709551615" }, events: [], deletedCustomerId: "18446744073709551615" });
    expect(expectError(normalizeWebhook("customers/delete", '{"id": "gid://shopify/Customer/1"}'))).toMatch(/^customers\/delete: id: /);
  });
});

describe("email marketing consent", () => {
  it("maps the consent topic's sample (not_subscribed, undated) to unknown at the epoch, no event", () => {
    const n = expectOk(normalizeWebhook("customers_email_marketing_consent/update", fixtureText("customers_email_marketing_consent/update")));
    expect(n).toEqual({
      identity: { shopifyCustomerId: CUSTOMER, email: "bob@biller.com" },
      profile: { asOf: new Date(0), emailConsent: { state: "unknown", at: new Date(0), source: "shopify" } },
      events: [],
    });
  });

  it("one change via customers/update and via the consent topic is one event (same sourceId, same event)", () => {
    const at = "2024-08-01T09:30:00-04:00";
    const viaCustomer = expectOk(normalizeWebhook("customers/update", customerUpdate("subscribed", at)));
    const viaTopic = expectOk(normalizeWebhook("customers_email_marketing_consent/update", consentTopic("subscribed", "2024-08-01T13:30:00Z")));
    const expected = {
      name: "Subscribed to Email",
      occurredAt: new Date("2024-08-01T13:30:00Z"),
      sourceId: `consent:${CUSTOMER}:subscribed:2024-08-01T13:30:00.000Z`,
      properties: { customerId: CUSTOMER, state: "subscribed", shopifyState: "subscribed", optInLevel: "single_opt_in" },
    };
    expect(viaCustomer.events).toEqual([expected]);
    expect(viaTopic.events).toEqual([expected]);
    const consent = { state: "subscribed", at: new Date("2024-08-01T13:30:00Z"), source: "shopify" };
    expect(viaCustomer.profile?.emailConsent).toEqual(consent);
    expect(viaTopic.profile).toEqual({ asOf: consent.at, emailConsent: consent });
  });

  it("maps every Shopify state; only subscribed/unsubscribed with a date make events", () => {
    const at = "2024-08-02T00:00:00Z";
    const cases: Array<[string | null, string, string | null]> = [
      ["subscribed", "subscribed", "Subscribed to Email"],
      ["unsubscribed", "unsubscribed", "Unsubscribed from Email"],
      ["redacted", "unsubscribed", "Unsubscribed from Email"],
      ["pending", "pending", null],
      ["not_subscribed", "unknown", null],
      ["invalid", "unknown", null],
      [null, "unknown", null],
    ];
    for (const [shopifyState, state, eventName] of cases) {
      const n = expectOk(normalizeWebhook("customers_email_marketing_consent/update", consentTopic(shopifyState, at)));
      expect(n.profile?.emailConsent).toEqual({ state, at: new Date(at), source: "shopify" });
      expect(n.events.map((e) => e.name)).toEqual(eventName ? [eventName] : []);
    }
    const redacted = expectOk(normalizeWebhook("customers/update", customerUpdate("redacted", at))).events[0];
    expect(redacted?.sourceId).toBe(`consent:${CUSTOMER}:unsubscribed:2024-08-02T00:00:00.000Z`);
  });

  it("no event without consent_updated_at (a restatement); the state is dated by the payload's updated_at", () => {
    const n = expectOk(normalizeWebhook("customers/update", customerUpdate("subscribed", null)));
    expect(n.events).toEqual([]);
    expect(n.profile?.emailConsent).toEqual({ state: "subscribed", at: new Date("2024-08-01T10:00:00Z"), source: "shopify" });
    const topic = consentTopic("unsubscribed", null, (c) => (c.updated_at = "2024-08-03T00:00:00Z"));
    const viaTopic = expectOk(normalizeWebhook("customers_email_marketing_consent/update", topic));
    expect(viaTopic.events).toEqual([]);
    expect(viaTopic.profile?.emailConsent?.at).toEqual(new Date("2024-08-03T00:00:00Z"));
  });

  it("rejects a consent payload without customer_id or consent object, or with a bad date", () => {
    const topic = "customers_email_marketing_consent/update";
    expect(expectError(normalizeWebhook(topic, consentTopic("subscribed", null, (c) => delete c.customer_id)))).toMatch(/^customers_email_marketing_consent\/update: customer_id: /);
    expect(expectError(normalizeWebhook(topic, consentTopic("subscribed", null, (c) => (c.email_marketing_consent = null))))).toMatch(/: email_marketing_consent: /);
    expect(expectError(normalizeWebhook(topic, consentTopic("subscribed", "2024-13-01T00:00:00Z")))).toMatch(/: email_marketing_consent\.consent_updated_at: not an ISO 8601/);
  });

  it("is pure", () => {
    const body = customerUpdate("subscribed", "2024-08-01T13:30:00Z");
    expect(normalizeWebhook("customers/update", body)).toEqual(normalizeWebhook("customers/update", body));
  });
});
