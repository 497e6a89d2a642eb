import { describe, expect, it } from "vitest";
import { big, expectError, expectOk, fixtureText, fixtureWith, type Payload } from "./fixtures.test-helper";
import { normalizeWebhook } from "./normalize";

const SAMPLE_ORDER = "820982911946154508";

/** The shared sample order, reshaped into a small, live (not cancelled) order with a discounted line. */
function liveOrder(topic: string, change: (o: Payload) => void = () => {}): string {
  return fixtureWith(topic, (o) => {
    o.id = big("18446744073709551615");
    o.name = "#1001";
    o.email = "  Jane.DOE@Example.COM ";
    o.contact_email = "other@example.com";
    o.checkout_token = "tok-abc";
    o.processed_at = "2024-03-10T09:15:00+01:00";
    o.created_at = "2024-03-10T09:14:00+01:00";
    o.updated_at = "2024-03-10T09:20:00+01:00";
    o.cancelled_at = null;
    o.cancel_reason = null;
    o.test = false;
    o.total_price = "23.25";
    o.current_total_price = "23.25";
    o.subtotal_price = "23.25";
    o.total_discounts = "2.00";
    o.total_tax = "0.00";
    o.discount_codes = [{ code: "SPRING", amount: "2.00", type: "fixed_amount" }];
    o.landing_site = "/products/lamp?utm_source=mail";
    o.referring_site = "";
    o.customer.id = big("9007199254740993");
    o.customer.phone = "+44 (20) 7946-0958";
    const [first, second] = o.line_items;
    Object.assign(first, { id: big("555000000000000001"), quantity: 2, price: "10.00", variant_id: 39072856, vendor: "Acme", variant_title: "Red" });
    first.discount_allocations = [{ amount: "1.50", discount_application_index: 0 }, { amount: "0.50", discount_application_index: 1 }];
    Object.assign(second, { id: 77, quantity: 1, price: "5.25", product_id: 123 });
    o.line_items = [first, second];
    change(o);
  });
}

describe("orders/create", () => {
  it("maps Shopify's sample order: big ids stay exact, order email wins over the customer's", () => {
    const n = expectOk(normalizeWebhook("orders/create", fixtureText("orders/create")));
    expect(n.identity).toEqual({ shopifyCustomerId: "115310627314723954", email: "jon@example.com" });
    expect(n.profile).toEqual({ asOf: new Date("2022-01-01T00:00:00Z"), firstName: "John", lastName: "Smith" });
    const [placed, ...lines] = n.events;
    expect(placed).toMatchObject({
      name: "Placed Order",
      sourceId: `order:${SAMPLE_ORDER}:placed`,
      occurredAt: new Date("2022-01-01T00:00:00Z"),
      valueMinor: 40495n,
      currency: "USD",
    });
    expect(placed?.properties).toMatchObject({
      orderId: SAMPLE_ORDER, orderName: "#9999", totalPrice: "404.95", subtotalPrice: "404.95",
      totalDiscounts: "20.00", totalTax: "0.00", currency: "USD", presentmentCurrency: "USD",
      itemCount: 5, discountCodes: [], sourceName: "web", test: true,
    });
    expect(placed?.properties).not.toHaveProperty("landingSite");
    expect(lines.map((e) => [e.name, e.sourceId, e.valueMinor])).toEqual([
      ["Ordered Product", `order:${SAMPLE_ORDER}:line:487817672276298554`, 8999n],
      ["Ordered Product", `order:${SAMPLE_ORDER}:line:789012345678901234`, 1999n],
      ["Ordered Product", `order:${SAMPLE_ORDER}:line:890123456789012345`, 2499n],
      ["Ordered Product", `order:${SAMPLE_ORDER}:line:976318377106520349`, 15999n],
      ["Ordered Product", `order:${SAMPLE_ORDER}:line:315789986012684393`, 11999n],
    ]);
    expect(lines[0]?.properties).toEqual({
      productId: "788032119674292922", variantId: null, title: "Aviator sunglasses", variantTitle: null,
      sku: "SKU2006-001", vendor: null, quantity: 1, price: "89.99", orderId: SAMPLE_ORDER,
      lineItemId: "487817672276298554",
    });
    expect(n.order).toEqual({
      orderId: SAMPLE_ORDER, updatedAt: new Date("2022-01-01T00:00:00Z"), placedAt: new Date("2022-01-01T00:00:00Z"),
      currency: "USD", totalMinor: 40495n, refundedMinor: 0n, cancelled: true, test: true, // total_price, as placed
    });
  });

  it("values lines net of their discount allocations and keeps an id of 2^64 - 1 exact", () => {
    const n = expectOk(normalizeWebhook("orders/create", liveOrder("orders/create")));
    const id = "18446744073709551615";
    expect(n.identity).toEqual({
      shopifyCustomerId: "9007199254740993",
      email: "jane.doe@example.com",
      phone: "+442079460958",
      checkoutToken: "tok-abc",
    });
    expect(n.events.map((e) => [e.name, e.sourceId, e.valueMinor, e.occurredAt.toISOString()])).toEqual([
      ["Placed Order", `order:${id}:placed`, 2325n, "2024-03-10T08:15:00.000Z"],
      ["Ordered Product", `order:${id}:line:555000000000000001`, 1800n, "2024-03-10T08:15:00.000Z"],
      ["Ordered Product", `order:${id}:line:77`, 525n, "2024-03-10T08:15:00.000Z"],
    ]);
    expect(n.events[0]?.properties).toMatchObject({
      orderId: id, orderName: "#1001", itemCount: 3, discountCodes: ["SPRING"], test: false,
      landingSite: "/products/lamp?utm_source=mail",
      lineItems: [
        { productId: "788032119674292922", variantId: "39072856", title: "Aviator sunglasses", variantTitle: "Red", sku: "SKU2006-001", quantity: 2, price: "10.00" },
        { productId: "123", variantId: null, title: "Lens Protection Plan (2 Year)", variantTitle: null, sku: "LENS-PROTECT-2YR", quantity: 1, price: "5.25" },
      ],
    });
    expect(n.events[0]?.properties).not.toHaveProperty("referringSite"); // blank
    expect(n.events[1]?.properties).toMatchObject({ vendor: "Acme", orderId: id, variantId: "39072856" });
    expect(n.order).toEqual({
      orderId: id, updatedAt: new Date("2024-03-10T08:20:00Z"), placedAt: new Date("2024-03-10T08:15:00Z"),
      currency: "USD", totalMinor: 2325n, refundedMinor: 0n, cancelled: false, test: false,
    });
  });

  it("handles a JPY order (no minor digits) and rejects a JPY amount with a fraction", () => {
    const jpy = (total: string) =>
      liveOrder("orders/create", (o) => {
        o.currency = "JPY";
        o.presentment_currency = "JPY";
        o.total_price = total;
        o.current_total_price = null;
        o.line_items[0].price = "1200";
        o.line_items[0].discount_allocations = [{ amount: "300" }];
        o.line_items[1].price = "600";
      });
    const n = expectOk(normalizeWebhook("orders/create", jpy("2700")));
    expect(n.events.map((e) => [e.valueMinor, e.currency])).toEqual([[2700n, "JPY"], [2100n, "JPY"], [600n, "JPY"]]);
    expect(n.order?.totalMinor).toBe(2700n); // total_price when current_total_price is null
    expect(expectError(normalizeWebhook("orders/create", jpy("2700.50")))).toBe(
      "orders/create: total_price: 2700.50 has more precision than JPY allows",
    );
  });

  it("an order without its own email or phone uses its customer's", () => {
    const n = expectOk(normalizeWebhook("orders/create", liveOrder("orders/create", (o) => {
      o.email = "";
      o.contact_email = null;
      o.customer.email = " JOHN@example.com";
      o.customer.phone = "555-010-9999";
    })));
    expect(n.identity).toEqual({ shopifyCustomerId: "9007199254740993", email: "john@example.com", phone: "555-010-9999", checkoutToken: "tok-abc" });
  });

  it("a guest order has no customer id and no profile", () => {
    const n = expectOk(normalizeWebhook("orders/create", liveOrder("orders/create", (o) => {
      o.customer = null;
      o.email = null;
      o.contact_email = "Guest@Shop.Example";
      o.checkout_token = null;
    })));
    expect(n.identity).toEqual({ email: "guest@shop.example" });
    expect(n.profile).toBeUndefined();
  });

  it("turns the embedded customer's consent into profile facts and one consent event", () => {
    const n = expectOk(normalizeWebhook("orders/create", liveOrder("orders/create", (o) => {
      o.customer.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: "2024-03-10T09:15:00+01:00" };
    })));
    expect(n.profile?.emailConsent).toEqual({ state: "subscribed", at: new Date("2024-03-10T08:15:00Z"), source: "shopify" });
    const consent = n.events.filter((e) => e.name === "Subscribed to Email");
    expect(consent.map((e) => e.sourceId)).toEqual(["consent:9007199254740993:subscribed:2024-03-10T08:15:00.000Z"]);
  });

  it("rejects a payload missing a required field or with a bad date, naming the topic", () => {
    const missing = liveOrder("orders/create", (o) => delete o.total_price);
    expect(expectError(normalizeWebhook("orders/create", missing))).toMatch(/^orders\/create: total_price: /);
    const badDate = liveOrder("orders/create", (o) => (o.created_at = "yesterday"));
    expect(expectError(normalizeWebhook("orders/create", badDate))).toMatch(/^orders\/create: created_at: not an ISO 8601/);
    const feb30 = liveOrder("orders/create", (o) => (o.updated_at = "2024-02-30T10:00:00Z"));
    expect(expectError(normalizeWebhook("orders/create", feb30))).toMatch(/^orders\/create: updated_at: /);
    const noOffset = liveOrder("orders/create", (o) => (o.updated_at = "2024-02-03T10:00:00"));
    expect(expectError(normalizeWebhook("orders/create", noOffset))).toMatch(/^orders\/create: updated_at: /);
    const floatPrice = liveOrder("orders/create", (o) => (o.line_items[0].price = 10.5));
    expect(expectError(normalizeWebhook("orders/create", floatPrice))).toMatch(/^orders\/create: line_items\.0\.price: /);
  });

  it("is pure: the same body twice gives deep-equal output", () => {
    const body = liveOrder("orders/create");
    expect(normalizeWebhook("orders/create", body)).toEqual(normalizeWebhook("orders/create", body));
  });
});

describe("orders/paid, updated, fulfilled, cancelled", () => {
  it("orders/paid: a Paid Order with its own sourceId but the same orderId as Placed Order", () => {
    const placed = expectOk(normalizeWebhook("orders/create", liveOrder("orders/create"))).events[0];
    const n = expectOk(normalizeWebhook("orders/paid", liveOrder("orders/paid")));
    expect(n.events).toHaveLength(1);
    const paid = n.events[0];
    expect(paid).toMatchObject({ name: "Paid Order", valueMinor: 2325n, currency: "USD", occurredAt: new Date("2024-03-10T08:20:00Z") });
    expect(paid?.sourceId).toBe("order:18446744073709551615:paid");
    expect(paid?.sourceId).not.toBe(placed?.sourceId);
    expect(paid?.properties.orderId).toBe(placed?.properties.orderId);
    expect(n.order?.totalMinor).toBe(2325n);
  });

  it("orders/updated: no events, only the order fact with refunds summed from successful refund transactions", () => {
    const body = liveOrder("orders/updated", (o) => {
      o.current_total_price = "15.75";
      const tx = (kind: string, status: string, amount: string) => ({ id: big("245135271310201194"), kind, status, amount, currency: "USD" });
      const refund = (id: string, transactions: object[]) => ({
        id: big(id), order_id: o.id, created_at: "2024-03-11T10:00:00Z", processed_at: null, refund_line_items: [], transactions,
      });
      o.refunds = [
        refund("900000000000000001", [tx("refund", "success", "5.00"), tx("refund", "failure", "3.00")]),
        refund("900000000000000002", [tx("refund", "success", "2.50"), tx("sale", "success", "9.99")]),
      ];
    });
    const n = expectOk(normalizeWebhook("orders/updated", body));
    expect(n.events).toEqual([]);
    expect(n.identity.shopifyCustomerId).toBe("9007199254740993");
    // The total as placed, with refunds beside it (current_total_price, 15.75, already has them taken off).
    expect(n.order).toMatchObject({ orderId: "18446744073709551615", totalMinor: 2325n, refundedMinor: 750n, cancelled: false });
  });

  it("orders/fulfilled: dated by the latest fulfillment, else updated_at", () => {
    const body = liveOrder("orders/fulfilled", (o) => {
      o.fulfillment_status = "fulfilled";
      o.fulfillments = [
        { id: 1, created_at: "2024-03-12T10:00:00Z", status: "success", tracking_number: "A1", tracking_company: "UPS" },
        { id: big("9223372036854775807"), created_at: "2024-03-13T10:00:00-07:00", status: "success", tracking_number: "B2", tracking_url: "https://t.example/B2" },
      ];
    });
    const [event] = expectOk(normalizeWebhook("orders/fulfilled", body)).events;
    expect(event).toMatchObject({ name: "Fulfilled Order", sourceId: "order:18446744073709551615:fulfilled", occurredAt: new Date("2024-03-13T17:00:00Z") });
    expect(event?.properties).toMatchObject({ orderId: "18446744073709551615", fulfillmentStatus: "fulfilled", fulfillmentId: "9223372036854775807", trackingNumber: "B2", trackingUrl: "https://t.example/B2", trackingCompany: null });
    const none = expectOk(normalizeWebhook("orders/fulfilled", liveOrder("orders/fulfilled"))).events[0];
    expect(none?.occurredAt).toEqual(new Date("2024-03-10T08:20:00Z"));
  });

  it("orders/cancelled: dated by cancelled_at with the reason; the order fact is cancelled", () => {
    const body = liveOrder("orders/cancelled", (o) => {
      o.cancelled_at = "2024-04-01T12:00:00-04:00";
      o.cancel_reason = "fraud";
    });
    const n = expectOk(normalizeWebhook("orders/cancelled", body));
    expect(n.events).toEqual([
      {
        name: "Cancelled Order",
        occurredAt: new Date("2024-04-01T16:00:00Z"),
        sourceId: "order:18446744073709551615:cancelled",
        properties: { orderId: "18446744073709551615", orderName: "#1001", totalPrice: "23.25", currency: "USD", cancelReason: "fraud" },
      },
    ]);
    expect(n.order?.cancelled).toBe(true);
    expect(expectError(normalizeWebhook("orders/cancelled", liveOrder("orders/cancelled")))).toBe(
      "orders/cancelled: cancelled_at is null on a cancelled order",
    );
  });

  it("the sample's cancelled order keeps its 2^53+ id through every order topic", () => {
    for (const topic of ["orders/paid", "orders/cancelled", "orders/fulfilled", "orders/updated"] as const) {
      const n = expectOk(normalizeWebhook(topic, fixtureText(topic)));
      expect(n.order?.orderId).toBe(SAMPLE_ORDER);
      expect(n.order?.cancelled).toBe(true);
    }
  });
});
