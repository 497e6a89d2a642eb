import { describe, expect, it } from "vitest";
import { big, expectError, expectOk, fixtureText, fixtureWith, type Payload } from "./fixtures.test-helper";
import { normalizeWebhook } from "./normalize";

const money = (amount: string, currency: string) => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: { amount, currency_code: currency },
});

describe("refunds/create", () => {
  it("maps Shopify's sample: sums the successful refund transactions (75.00 + 10.00)", () => {
    const n = expectOk(normalizeWebhook("refunds/create", fixtureText("refunds/create")));
    expect(n.identity).toEqual({});
    expect(n.refund).toEqual({
      orderId: "820982911946154508",
      refundId: "890088186047892319",
      at: new Date("2022-01-01T00:00:00Z"),
      amountMinor: 8500n,
      currency: "USD",
    });
    const [event] = n.events;
    expect(event).toMatchObject({ name: "Refunded Order", sourceId: "refund:890088186047892319", valueMinor: 8500n, currency: "USD" });
    expect(event?.properties).toMatchObject({
      orderId: "820982911946154508", refundId: "890088186047892319", refundedAmount: "85.00", currency: "USD",
      amountSource: "transactions", note: "Things were damaged",
    });
    expect(event?.properties.lineItems).toHaveLength(5);
    expect(Array.isArray(event?.properties.lineItems) && event.properties.lineItems[0]).toEqual({
      lineItemId: "487817672276298554", productId: "788032119674292922", variantId: null, quantity: 1, subtotal: "89.99",
    });
  });

  it("handles KWD (3 decimals), ignores failed, pending and non-refund transactions", () => {
    const body = fixtureWith("refunds/create", (r: Payload) => {
      r.id = big("18446744073709551615");
      r.order_id = 4783296544821;
      r.processed_at = "2024-06-01T15:30:00+03:00";
      r.total_duties_set = money("0.000", "KWD");
      r.refund_line_items = [{ ...r.refund_line_items[0], quantity: 2, subtotal_set: money("1.250", "KWD"), total_tax_set: money("0.000", "KWD") }];
      const [tx] = r.transactions;
      r.transactions = [
        { ...tx, amount: "1.250", currency: "KWD", status: "success" },
        { ...tx, amount: "0.005", currency: "KWD", status: "success" },
        { ...tx, amount: "9.000", currency: "KWD", status: "failure" },
        { ...tx, amount: "9.000", currency: "KWD", status: "pending" },
        { ...tx, amount: "9.000", currency: "KWD", kind: "void" },
      ];
    });
    const n = expectOk(normalizeWebhook("refunds/create", body));
    expect(n.refund).toEqual({ orderId: "4783296544821", refundId: "18446744073709551615", at: new Date("2024-06-01T12:30:00Z"), amountMinor: 1255n, currency: "KWD" });
    expect(n.events[0]).toMatchObject({ sourceId: "refund:18446744073709551615", valueMinor: 1255n, currency: "KWD" });
    expect(n.events[0]?.properties).toMatchObject({ refundedAmount: "1.255", amountSource: "transactions", lineItems: [{ quantity: 2, subtotal: "1.250" }] });
  });

  it("falls back to the line items' subtotal + tax only when there are no transactions", () => {
    const body = fixtureWith("refunds/create", (r: Payload) => {
      r.transactions = [];
      r.refund_line_items[0].total_tax_set = money("1.10", "USD");
    });
    const n = expectOk(normalizeWebhook("refunds/create", body));
    expect(n.refund?.amountMinor).toBe(41605n); // 89.99 + 19.99 + 24.99 + 159.99 + 119.99 + 1.10
    expect(n.events[0]?.properties.amountSource).toBe("refund_line_items");
  });

  it("a refund whose transactions all failed returned nothing", () => {
    const body = fixtureWith("refunds/create", (r: Payload) => {
      for (const tx of r.transactions) tx.status = "failure";
    });
    expect(expectOk(normalizeWebhook("refunds/create", body)).refund?.amountMinor).toBe(0n);
  });

  it("a transaction in another (presentment) currency falls back to shop-money line items", () => {
    const body = fixtureWith("refunds/create", (r: Payload) => {
      r.refund_line_items = [r.refund_line_items[0]];
      r.transactions = [{ ...r.transactions[0], amount: "80.00", currency: "EUR" }];
    });
    const n = expectOk(normalizeWebhook("refunds/create", body));
    expect(n.refund).toMatchObject({ amountMinor: 8999n, currency: "USD" });
    expect(n.events[0]?.properties.amountSource).toBe("refund_line_items");
  });

  it("rejects missing fields and an undeterminable currency, naming the topic", () => {
    const noOrder = fixtureWith("refunds/create", (r: Payload) => delete r.order_id);
    expect(expectError(normalizeWebhook("refunds/create", noOrder))).toMatch(/^refunds\/create: order_id: /);
    const badAmount = fixtureWith("refunds/create", (r: Payload) => (r.transactions[0].amount = "lots"));
    expect(expectError(normalizeWebhook("refunds/create", badAmount))).toMatch(/^refunds\/create: transactions\.0\.amount: expected a decimal string/);
    const noCurrency = fixtureWith("refunds/create", (r: Payload) => {
      r.total_duties_set = null;
      r.refund_line_items = [];
    });
    expect(expectError(normalizeWebhook("refunds/create", noCurrency))).toMatch(/^refunds\/create: cannot tell the refund's currency/);
  });

  it("is pure", () => {
    const body = fixtureText("refunds/create");
    expect(normalizeWebhook("refunds/create", body)).toEqual(normalizeWebhook("refunds/create", body));
  });
});
