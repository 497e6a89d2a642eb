import { describe, expect, it } from "vitest";
import { big, expectError, expectOk, fixtureText, fixtureWith, type Payload } from "./fixtures.test-helper";
import { normalizeWebhook } from "./normalize";

function checkout(topic: "checkouts/create" | "checkouts/update", change: (c: Payload) => void = () => {}): string {
  return fixtureWith(topic, (c) => {
    c.token = "c0ffee42";
    c.email = " Shopper@Example.org";
    c.phone = "+1 555 010 9999";
    c.currency = "KWD";
    c.total_price = "12.345";
    c.subtotal_price = "12.000";
    c.created_at = "2024-05-05T09:00:00+02:00";
    c.updated_at = "2024-05-05T10:00:00+02:00";
    c.customer.id = big("18446744073709551615");
    c.line_items = [{ ...c.line_items[0], product_id: big("820982911946154508"), variant_id: 11, quantity: 3, price: "4.000" }];
    change(c);
  });
}

describe("checkouts/create and checkouts/update", () => {
  it("maps Shopify's sample checkout to Started Checkout", () => {
    const n = expectOk(normalizeWebhook("checkouts/create", fixtureText("checkouts/create")));
    expect(n.identity).toEqual({ shopifyCustomerId: "603851970716743426", email: "example@email.com", checkoutToken: "123123123" });
    expect(n.profile).toEqual({ asOf: new Date("2022-01-01T00:00:00Z"), firstName: "John", lastName: "Smith" });
    expect(n.events).toEqual([
      {
        name: "Started Checkout",
        occurredAt: new Date("2022-01-01T00:00:00Z"),
        sourceId: "checkout:123123123:started",
        valueMinor: 42188n,
        currency: "USD",
        properties: {
          checkoutToken: "123123123",
          cartToken: "eeafa272cebfd4b22385bc4b645e762c",
          abandonedCheckoutUrl: "https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token",
          totalPrice: "421.88",
          subtotalPrice: "398.00",
          currency: "USD",
          presentmentCurrency: "USD",
          lineItems: [
            { productId: "632910392", variantId: "808950810", title: "IPod Nano - 8GB", variantTitle: "Pink", quantity: 1, price: "199.00" },
            { productId: "632910392", variantId: "808950810", title: "IPod Nano - 8GB", variantTitle: "Pink", quantity: 1, price: "199.00" },
          ],
          completedAt: null,
        },
      },
    ]);
    expect(n.order).toBeUndefined();
  });

  it("varied checkout: KWD value, normalised email/phone, exact big ids", () => {
    const n = expectOk(normalizeWebhook("checkouts/create", checkout("checkouts/create")));
    expect(n.identity).toEqual({ shopifyCustomerId: "18446744073709551615", email: "shopper@example.org", phone: "+15550109999", checkoutToken: "c0ffee42" });
    expect(n.events[0]).toMatchObject({ sourceId: "checkout:c0ffee42:started", valueMinor: 12345n, currency: "KWD", occurredAt: new Date("2024-05-05T07:00:00Z") });
    expect(n.events[0]?.properties.lineItems).toEqual([
      { productId: "820982911946154508", variantId: "11", title: "IPod Nano - 8GB", variantTitle: "Pink", quantity: 3, price: "4.000" },
    ]);
  });

  it("Updated Checkout is one fact per updated_at: redeliveries collapse, later edits do not", () => {
    const first = expectOk(normalizeWebhook("checkouts/update", checkout("checkouts/update"))).events[0];
    expect(first).toMatchObject({ name: "Updated Checkout", sourceId: "checkout:c0ffee42:updated:2024-05-05T08:00:00.000Z", occurredAt: new Date("2024-05-05T08:00:00Z") });
    // The same instant written in another offset is the same fact.
    const sameInstant = checkout("checkouts/update", (c) => (c.updated_at = "2024-05-05T08:00:00Z"));
    expect(expectOk(normalizeWebhook("checkouts/update", sameInstant)).events[0]?.sourceId).toBe(first?.sourceId);
    const later = checkout("checkouts/update", (c) => {
      c.updated_at = "2024-05-05T10:05:00+02:00";
      c.completed_at = "2024-05-05T10:05:00+02:00";
    });
    const next = expectOk(normalizeWebhook("checkouts/update", later)).events[0];
    expect(next?.sourceId).toBe("checkout:c0ffee42:updated:2024-05-05T08:05:00.000Z");
    expect(next?.properties.completedAt).toBe("2024-05-05T08:05:00.000Z");
  });

  it("a checkout without a customer identifies by email and token", () => {
    const n = expectOk(normalizeWebhook("checkouts/create", checkout("checkouts/create", (c) => {
      c.customer = null;
      c.phone = "  ";
    })));
    expect(n.identity).toEqual({ email: "shopper@example.org", checkoutToken: "c0ffee42" });
    expect(n.profile).toBeUndefined();
  });

  it("rejects a checkout without a token or with a bad price", () => {
    expect(expectError(normalizeWebhook("checkouts/create", checkout("checkouts/create", (c) => delete c.token)))).toMatch(/^checkouts\/create: token: /);
    expect(expectError(normalizeWebhook("checkouts/update", checkout("checkouts/update", (c) => (c.total_price = "12.3456"))))).toBe(
      "checkouts/update: total_price: 12.3456 has more precision than KWD allows",
    );
  });

  it("is pure", () => {
    const body = checkout("checkouts/update");
    expect(normalizeWebhook("checkouts/update", body)).toEqual(normalizeWebhook("checkouts/update", body));
  });
});
