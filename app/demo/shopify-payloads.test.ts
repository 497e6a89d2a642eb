import { parse } from "lossless-json";
import { describe, expect, it } from "vitest";
import { expectOk, fixtureText } from "../domain/events/fixtures.test-helper";
import { normalizeWebhook, type WebhookTopic } from "../domain/events/normalize";
import { normalizePixelEvent, pixelWireSchema, storedPixelPayload } from "../domain/events/pixel";
import { wireEvent, type SubscribedEvent } from "../../extensions/web-pixel/src/payload";
import {
  checkoutPayload,
  consentUpdatePayload,
  customerCreatedPayload,
  orderCreatedPayload,
  orderFulfilledPayload,
  pixelAddedToCart,
  pixelContactInfoSubmitted,
  pixelProductViewed,
  refundPayload,
  returnRequestPayload,
  type DemoOrderInput,
} from "./shopify-payloads";

// Virtual times far from any real clock: every timestamp in the output must be one of these.
const PLACED = new Date("2031-03-04T15:16:17Z");
const LATER = new Date("2031-03-06T09:00:00Z");
const buyer = { id: "9007199254840993", email: "ann.lee.7@example.com", firstName: "Ann", lastName: "Lee" };
const lines = [
  { productId: "9007199254741993", variantId: "9007199254742493", title: "Alpine Down Jacket", priceMinor: 24900n, quantity: 1 },
  { productId: "9007199254741994", variantId: "9007199254742494", title: "Camp Mug", priceMinor: 1800n, quantity: 2 },
];
const order: DemoOrderInput = {
  orderId: "9007199274740993",
  orderNumber: 10_203,
  customer: buyer,
  lines,
  placedAt: PLACED,
  checkoutToken: "0123456789abcdef0123456789abcdef",
  lineIdBase: 9007199274741003n,
};
const SHOP = "northwind-outfitters.myshopify.com";

function normalized(topic: WebhookTopic, body: string, triggeredAt = PLACED) {
  return expectOk(normalizeWebhook(topic, body, { triggeredAt }));
}

// Every key we write must be one Shopify's own sample for the topic has (we may leave fields out, never invent).
function keysOf(value: unknown): string[] {
  return value && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
}
function expectKeysWithin(ours: unknown, sample: unknown, path = "") {
  const allowed = new Set(keysOf(sample));
  for (const key of keysOf(ours)) {
    expect(allowed.has(key), `${path}${key} is not in Shopify's sample`).toBe(true);
  }
}
const sample = (topic: string) => parse(fixtureText(topic)) as Record<string, unknown[] & Record<string, unknown>>;
const json = (body: string) => parse(body) as Record<string, unknown[] & Record<string, unknown>>;

describe("demo webhook payloads", () => {
  it("orders/create: normalised into Placed Order at the virtual time, exact 64-bit ids, the sample's fields only", () => {
    const body = orderCreatedPayload(order);
    const result = normalized("orders/create", body);
    const placed = result.events.find((e) => e.name === "Placed Order")!;
    expect(placed).toMatchObject({ occurredAt: PLACED, valueMinor: 24900n + 3600n, sourceId: `order:${order.orderId}:placed` });
    expect(placed.properties).toMatchObject({ orderId: order.orderId, orderName: "#10203", test: false });
    expect(result.events.filter((e) => e.name === "Ordered Product").map((e) => e.properties.lineItemId)).toEqual(["9007199274741003", "9007199274741004"]);
    expect(result.identity).toEqual({ shopifyCustomerId: buyer.id, email: buyer.email, checkoutToken: order.checkoutToken });
    expect(result.order).toMatchObject({ orderId: order.orderId, placedAt: PLACED, updatedAt: PLACED, totalMinor: 28500n, refundedMinor: 0n, cancelled: false, test: false });
    expect(body).toContain(`"id":${order.orderId},`); // a bare number, as Shopify writes it
    const ours = json(body);
    const theirs = sample("orders/create");
    expectKeysWithin(ours, theirs);
    expectKeysWithin(ours.line_items[0], theirs.line_items[0], "line_items.");
    expectKeysWithin(ours.customer, theirs.customer, "customer.");
  });

  it("orders/fulfilled: Fulfilled Order dated by the fulfilment", () => {
    const body = orderFulfilledPayload(order, { fulfillmentId: "9007199274741013", fulfilledAt: LATER, trackingNumber: "1Z999" });
    const result = normalized("orders/fulfilled", body);
    expect(result.events[0]).toMatchObject({ name: "Fulfilled Order", occurredAt: LATER, properties: { orderId: order.orderId, fulfillmentId: "9007199274741013", trackingNumber: "1Z999" } });
    expectKeysWithin(json(body), sample("orders/fulfilled"));
  });

  it("checkouts/create and a completing checkouts/update", () => {
    const created = normalized("checkouts/create", checkoutPayload(order.checkoutToken, buyer, lines, { createdAt: PLACED }, SHOP));
    expect(created.events[0]).toMatchObject({
      name: "Started Checkout",
      occurredAt: PLACED,
      valueMinor: 28500n,
      properties: { checkoutToken: order.checkoutToken, completedAt: null, abandonedCheckoutUrl: `https://${SHOP}/checkouts/${order.checkoutToken}/recover` },
    });
    expect(created.identity).toMatchObject({ shopifyCustomerId: buyer.id, email: buyer.email, checkoutToken: order.checkoutToken });
    const updateBody = checkoutPayload(order.checkoutToken, buyer, lines, { createdAt: PLACED, updatedAt: LATER, completedAt: LATER }, SHOP);
    const updated = normalized("checkouts/update", updateBody);
    expect(updated.events[0]).toMatchObject({ name: "Updated Checkout", occurredAt: LATER, properties: { completedAt: LATER.toISOString() } });
    const ours = json(updateBody);
    expectKeysWithin(ours, sample("checkouts/update"));
    expectKeysWithin(ours.line_items[0], sample("checkouts/update").line_items[0], "line_items.");
  });

  it("refunds/create: a full refund returns the order's total, a partial one a line's worth", () => {
    const full = normalized("refunds/create", refundPayload(order, { refundId: "9007199274741023", at: LATER, lineIndexes: [0, 1], idBase: 9007199274741093n, note: "Returned" }));
    expect(full.refund).toEqual({ orderId: order.orderId, refundId: "9007199274741023", at: LATER, amountMinor: 28500n, currency: "USD" });
    expect(full.events[0]).toMatchObject({ name: "Refunded Order", occurredAt: LATER, properties: { refundedAmount: "285.00", orderId: order.orderId } });
    const partialBody = refundPayload(order, { refundId: "9007199274741024", at: LATER, lineIndexes: [1], idBase: 9007199274741193n, note: "Damaged" });
    expect(normalized("refunds/create", partialBody).refund?.amountMinor).toBe(3600n);
    const ours = json(partialBody);
    const theirs = sample("refunds/create");
    expectKeysWithin(ours, theirs);
    expectKeysWithin(ours.refund_line_items[0], theirs.refund_line_items[0], "refund_line_items.");
    expectKeysWithin(ours.transactions[0], theirs.transactions[0], "transactions.");
  });

  it("returns/request: dated by X-Shopify-Triggered-At (the payload has no time), linked by order id", () => {
    const body = returnRequestPayload(order, { returnId: "9007199274741293", quantity: 3 });
    const result = normalized("returns/request", body, LATER);
    expect(result.events[0]).toMatchObject({ name: "Returned Order", occurredAt: LATER, properties: { orderId: order.orderId, stage: "requested", totalReturnLineItems: 3 } });
    expectKeysWithin(json(body), sample("returns/request"));
  });

  it("customers/create plus the consent topic: a subscriber at the virtual time", () => {
    const created = normalized("customers/create", customerCreatedPayload(buyer, PLACED));
    expect(created.identity).toEqual({ shopifyCustomerId: buyer.id, email: buyer.email });
    expect(created.profile).toMatchObject({ firstName: "Ann", lastName: "Lee" });
    expectKeysWithin(json(customerCreatedPayload(buyer, PLACED)), sample("customers/create"));
    const consentBody = consentUpdatePayload(buyer, LATER, "subscribed");
    const consent = normalized("customers_email_marketing_consent/update", consentBody);
    expect(consent.events).toEqual([expect.objectContaining({ name: "Subscribed to Email", occurredAt: LATER })]);
    expect(consent.profile?.emailConsent).toEqual({ state: "subscribed", at: LATER, source: "shopify" });
    expectKeysWithin(json(consentBody), sample("customers_email_marketing_consent/update"));
  });
});

describe("demo pixel bodies", () => {
  const product = { shopifyProductId: lines[0].productId, variantId: lines[0].variantId, title: lines[0].title, priceMinor: 24900n, handle: "alpine-down-jacket" };
  const common = { eventId: "sh-1", at: PLACED, clientId: "client-7", shopDomain: SHOP, ingestKey: "key-1" };

  /** As the ingest route and the worker treat it: validate the wire body, store it, normalise it. */
  function ingest(body: string, receivedAt: Date) {
    const wire = pixelWireSchema.parse(JSON.parse(body));
    expect(wire).toMatchObject({ shop: SHOP, key: "key-1" });
    return expectOk(normalizePixelEvent(storedPixelPayload(wire.event, receivedAt)));
  }

  it("product_viewed, product_added_to_cart and checkout contact info become events at the virtual time", () => {
    const soon = new Date(PLACED.getTime() + 2000);
    expect(ingest(pixelProductViewed(common, product), soon).events).toEqual([
      expect.objectContaining({ name: "Viewed Product", occurredAt: PLACED, valueMinor: 24900n, properties: expect.objectContaining({ productId: product.shopifyProductId, productTitle: "Alpine Down Jacket" }) }),
    ]);
    expect(ingest(pixelAddedToCart(common, product, 2), soon).events[0]).toMatchObject({ name: "Added to Cart", occurredAt: PLACED, valueMinor: 49800n });
    const contact = ingest(pixelContactInfoSubmitted(common, order.checkoutToken, buyer.email), soon);
    // The typed-in email ties this browser to the shopper.
    expect(contact.identity).toEqual({ email: buyer.email, checkoutToken: order.checkoutToken, pixelClientId: "client-7" });
  });

  it("carries the same fields the real pixel extension sends for the same storefront event", () => {
    const shopifyEvent = {
      id: "sh-1",
      name: "product_viewed",
      clientId: "client-7",
      timestamp: PLACED.toISOString(),
      context: { document: { location: { href: `https://${SHOP}/products/alpine-down-jacket` } } },
      data: {
        productVariant: {
          id: product.variantId,
          price: { amount: 249, currencyCode: "USD" },
          product: { id: product.shopifyProductId, title: product.title, vendor: "Northwind", url: `https://${SHOP}/products/alpine-down-jacket` },
        },
      },
    } as unknown as SubscribedEvent;
    const real = wireEvent(shopifyEvent)!;
    const ours = JSON.parse(pixelProductViewed(common, product)).event;
    expect(ours).toEqual(real);
  });
});
