// Consent written to Shopify against the local Admin GraphQL server: the state and time sent, finding the customer,
// leaving newer decisions alone, throttling and permanent errors, and signups creating subscribed customers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateEmailMarketingConsent, upsertSubscribedCustomer } from "../../app/services/customer-consent.server";
import type { AdminGraphql } from "../../app/services/shopify-admin.server";
import { recordingAdminClient, startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";

const T0 = new Date("2026-11-24T12:00:00Z");
const EARLIER = "2026-10-01T08:00:00Z";
const LATER = "2026-11-25T08:00:00Z";

let fake: FakeShopifyAdmin;
beforeAll(async () => {
  fake = await startFakeShopifyAdmin({ shop: "consent-test.myshopify.com" });
});
afterAll(() => fake.close());

const client = (options: { maxRetries?: number } = {}) => recordingAdminClient(fake, options);

let people = 0;
const nextEmail = () => `person${++people}@example.com`;
const updatesFor = (gid: string) => fake.store.callsOf("customerEmailMarketingConsentUpdate").filter((c) => (c.variables.input as { customerId: string }).customerId === gid);
const idOf = (gid: string) => gid.split("/").at(-1)!;

describe("updateEmailMarketingConsent", () => {
  it("unsubscribes a known customer as of the given time, without an opt-in level", async () => {
    const customer = fake.store.addCustomer({ email: nextEmail(), consent: { state: "SUBSCRIBED", at: EARLIER, level: "SINGLE_OPT_IN" } });
    const result = await updateEmailMarketingConsent(client().admin, { shopifyCustomerId: idOf(customer.id), email: customer.email, state: "unsubscribed", at: T0 });
    expect(result).toEqual({ ok: true, detail: "updated", customerId: idOf(customer.id) });
    expect(updatesFor(customer.id).map((c) => c.variables.input)).toEqual([
      { customerId: customer.id, emailMarketingConsent: { marketingState: "UNSUBSCRIBED", consentUpdatedAt: T0.toISOString() } },
    ]);
    expect(fake.store.customer(customer.id)?.emailMarketingConsent).toMatchObject({ marketingState: "UNSUBSCRIBED", consentUpdatedAt: T0.toISOString() });
  });

  it("finds the customer by email when no id is known, and subscribes with single opt-in", async () => {
    const email = nextEmail();
    const customer = fake.store.addCustomer({ email, consent: { state: "UNSUBSCRIBED", at: EARLIER } });
    const result = await updateEmailMarketingConsent(client().admin, { email: email.toUpperCase(), state: "subscribed", at: T0 });
    expect(result).toEqual({ ok: true, detail: "updated", customerId: idOf(customer.id) });
    expect(updatesFor(customer.id)[0]?.variables.input).toEqual({
      customerId: customer.id,
      emailMarketingConsent: { marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", consentUpdatedAt: T0.toISOString() },
    });
  });

  it("with no such customer in Shopify there is nothing to update", async () => {
    const before = fake.store.callsOf("customerEmailMarketingConsentUpdate").length;
    expect(await updateEmailMarketingConsent(client().admin, { email: nextEmail(), state: "unsubscribed", at: T0 })).toEqual({ ok: true, detail: "no_customer", customerId: null });
    const requests = fake.requests.length;
    expect(await updateEmailMarketingConsent(client().admin, { shopifyCustomerId: null, email: null, state: "unsubscribed", at: T0 })).toEqual({ ok: true, detail: "no_customer", customerId: null });
    expect(fake.requests.length).toBe(requests);
    expect(fake.store.callsOf("customerEmailMarketingConsentUpdate").length).toBe(before);
  });

  it("falls back to the email when the known id is gone or now belongs to another address", async () => {
    const email = nextEmail();
    const current = fake.store.addCustomer({ email, consent: { state: "SUBSCRIBED", at: EARLIER } });
    const deleted = await updateEmailMarketingConsent(client().admin, { shopifyCustomerId: "999999999", email, state: "unsubscribed", at: T0 });
    expect(deleted).toEqual({ ok: true, detail: "updated", customerId: idOf(current.id) });

    const other = fake.store.addCustomer({ email: nextEmail(), consent: { state: "SUBSCRIBED", at: EARLIER } });
    const mine = fake.store.addCustomer({ email: nextEmail(), consent: { state: "SUBSCRIBED", at: EARLIER } });
    const moved = await updateEmailMarketingConsent(client().admin, { shopifyCustomerId: idOf(other.id), email: mine.email, state: "unsubscribed", at: T0 });
    expect(moved).toEqual({ ok: true, detail: "updated", customerId: idOf(mine.id) });
    expect(fake.store.customer(other.id)?.emailMarketingConsent?.marketingState).toBe("SUBSCRIBED");
  });

  it("leaves a newer decision in Shopify alone, and writes nothing when the state is already right", async () => {
    const newer = fake.store.addCustomer({ email: nextEmail(), consent: { state: "SUBSCRIBED", at: LATER } });
    expect(await updateEmailMarketingConsent(client().admin, { shopifyCustomerId: idOf(newer.id), email: newer.email, state: "unsubscribed", at: T0 })).toEqual({
      ok: true,
      detail: "newer_in_shopify",
      customerId: idOf(newer.id),
    });
    const same = fake.store.addCustomer({ email: nextEmail(), consent: { state: "UNSUBSCRIBED", at: EARLIER } });
    expect(await updateEmailMarketingConsent(client().admin, { shopifyCustomerId: idOf(same.id), email: null, state: "unsubscribed", at: T0 })).toMatchObject({ ok: true, detail: "unchanged" });
    expect([...updatesFor(newer.id), ...updatesFor(same.id)]).toEqual([]);
    expect(fake.store.customer(newer.id)?.emailMarketingConsent?.marketingState).toBe("SUBSCRIBED");
  });

  it("waits out THROTTLED answers, then updates", async () => {
    const customer = fake.store.addCustomer({ email: nextEmail(), consent: { state: "SUBSCRIBED", at: EARLIER } });
    const { admin, sleeps } = client();
    fake.throttleNext(1);
    const result = await updateEmailMarketingConsent(admin, { shopifyCustomerId: idOf(customer.id), email: customer.email, state: "unsubscribed", at: T0 });
    expect(result).toMatchObject({ ok: true, detail: "updated" });
    expect(sleeps).toEqual([60]);
  });

  it("returns Shopify's userErrors as permanent failures, except its internal errors", async () => {
    const customer = fake.store.addCustomer({ email: nextEmail(), consent: { state: "SUBSCRIBED", at: EARLIER } });
    const input = { shopifyCustomerId: idOf(customer.id), email: customer.email, state: "unsubscribed" as const, at: T0 };
    fake.store.userErrorsNext("customerEmailMarketingConsentUpdate", [{ field: ["input", "emailMarketingConsent"], code: "INVALID", message: "Consent updated at is invalid" }]);
    expect(await updateEmailMarketingConsent(client().admin, input)).toEqual({
      ok: false,
      retryable: false,
      error: "customerEmailMarketingConsentUpdate: input.emailMarketingConsent: Consent updated at is invalid",
    });
    fake.store.userErrorsNext("customerEmailMarketingConsentUpdate", [{ field: null, code: "INTERNAL_ERROR", message: "Internal error" }]);
    expect(await updateEmailMarketingConsent(client().admin, input)).toMatchObject({ ok: false, retryable: true });
    const noEmail = fake.store.addCustomer({ email: null, consent: null });
    expect(await updateEmailMarketingConsent(client().admin, { ...input, shopifyCustomerId: idOf(noEmail.id), email: null })).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining("must have an email"),
    });
    expect(await updateEmailMarketingConsent(client().admin, { ...input, at: new Date(Number.NaN) })).toMatchObject({ ok: false, retryable: false });
  });
});

describe("upsertSubscribedCustomer", () => {
  it("creates the customer, subscribed with single opt-in as of the signup", async () => {
    const email = nextEmail();
    const result = await upsertSubscribedCustomer(client().admin, { email: ` ${email} `, firstName: "Ada", lastName: null, at: T0 });
    const created = fake.store.customers().find((c) => c.email === email);
    expect(result).toEqual({ ok: true, detail: "created", customerId: idOf(created?.id ?? "") });
    expect(created).toMatchObject({
      firstName: "Ada",
      lastName: null,
      emailMarketingConsent: { marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", consentUpdatedAt: T0.toISOString() },
    });
  });

  it("subscribes an existing customer instead of creating a second one", async () => {
    const existing = fake.store.addCustomer({ email: nextEmail(), consent: { state: "NOT_SUBSCRIBED", at: null } });
    const result = await upsertSubscribedCustomer(client().admin, { email: existing.email!, at: T0 });
    expect(result).toEqual({ ok: true, detail: "updated", customerId: idOf(existing.id) });
    expect(fake.store.customers().filter((c) => c.email === existing.email)).toHaveLength(1);
    expect(fake.store.customer(existing.id)?.emailMarketingConsent?.marketingState).toBe("SUBSCRIBED");
  });

  it("when the customer appears between the lookup and the create, subscribes that one", async () => {
    const email = nextEmail();
    const { admin } = client();
    let racer: ReturnType<typeof fake.store.addCustomer> | null = null;
    const racing: AdminGraphql = {
      request(query, variables) {
        // A checkout creates the customer just before our customerCreate arrives.
        if (query.includes("customerCreate") && !racer) racer = fake.store.addCustomer({ email, consent: null });
        return admin.request(query, variables);
      },
    };
    const result = await upsertSubscribedCustomer(racing, { email, at: T0 });
    expect(result).toEqual({ ok: true, detail: "updated", customerId: idOf(racer!.id) });
    expect(fake.store.customers().filter((c) => c.email === email)).toHaveLength(1);
  });

  it("refuses an address that is not one, sending nothing", async () => {
    const before = fake.requests.length;
    expect(await upsertSubscribedCustomer(client().admin, { email: "not-an-address", at: T0 })).toMatchObject({ ok: false, retryable: false });
    expect(fake.requests.length).toBe(before);
  });
});
