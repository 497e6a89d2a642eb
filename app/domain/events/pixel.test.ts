import { describe, expect, it } from "vitest";
import { expectError, expectOk } from "./fixtures.test-helper";
import {
  normalizePixelEvent,
  pixelEventSchema,
  pixelWireSchema,
  plausibleTime,
  storedPixelPayload,
  type PixelEventInput,
  type VerifiedLink,
} from "./pixel";

const receivedAt = new Date("2025-05-01T10:30:05Z");
const common = { id: "sh-0001", timestamp: "2025-05-01T10:30:00.000Z", clientId: "client-1", url: "https://shop.example/products/mug" };
const variant = {
  productId: "gid://shopify/Product/632910392",
  variantId: "808950810",
  productTitle: "Mug",
  variantTitle: "Blue",
  vendor: "Acme",
  price: { amount: 19.99, currency: "USD" },
  imageUrl: "https://cdn.example/mug.png",
};

/** The inbox payload the route would store for this event. */
function stored(event: PixelEventInput, link?: VerifiedLink): string {
  return storedPixelPayload(pixelEventSchema.parse(event), receivedAt, link);
}

describe("normalizePixelEvent", () => {
  it("product_viewed -> Viewed Product keyed by Shopify's event id, ids as digits, exact money", () => {
    const n = expectOk(normalizePixelEvent(stored({ ...common, name: "product_viewed", variant })));
    expect(n.identity).toEqual({ pixelClientId: "client-1" });
    expect(n.events).toEqual([
      {
        name: "Viewed Product",
        occurredAt: new Date(common.timestamp),
        sourceId: "pixel:sh-0001",
        valueMinor: 1999n,
        currency: "USD",
        properties: {
          productId: "632910392",
          variantId: "808950810",
          productTitle: "Mug",
          variantTitle: "Blue",
          vendor: "Acme",
          sku: null,
          price: "19.99",
          currency: "USD",
          imageUrl: "https://cdn.example/mug.png",
          productUrl: null,
          url: "https://shop.example/products/mug",
        },
      },
    ]);
  });

  it("product_added_to_cart -> Added to Cart valued at the line total, or price x quantity without one", () => {
    const withTotal = expectOk(
      normalizePixelEvent(stored({ ...common, name: "product_added_to_cart", variant, quantity: 2, lineTotal: { amount: 35, currency: "USD" } })),
    );
    expect(withTotal.events[0]).toMatchObject({ name: "Added to Cart", valueMinor: 3500n, properties: { quantity: 2, lineTotal: "35.00" } });
    const without = expectOk(normalizePixelEvent(stored({ ...common, name: "product_added_to_cart", variant, quantity: 3 })));
    expect(without.events[0]).toMatchObject({ valueMinor: 5997n, currency: "USD", properties: { lineTotal: "59.97" } });
  });

  it("zero-decimal currencies and float amounts come out exact", () => {
    const yen = { ...variant, price: { amount: 1500, currency: "JPY" } };
    const n = expectOk(normalizePixelEvent(stored({ ...common, name: "product_viewed", variant: yen })));
    expect(n.events[0]).toMatchObject({ valueMinor: 1500n, currency: "JPY", properties: { price: "1500" } });
    const cents = { ...variant, price: { amount: 0.1 + 0.2, currency: "EUR" } };
    expect(expectOk(normalizePixelEvent(stored({ ...common, name: "product_viewed", variant: cents }))).events[0].valueMinor).toBe(30n);
  });

  it("checkout_started with a token -> Started Checkout sharing checkouts/create's sourceId, linked by token", () => {
    const n = expectOk(
      normalizePixelEvent(
        stored({
          ...common,
          name: "checkout_started",
          checkoutToken: "tok-123",
          total: { amount: 45.5, currency: "USD" },
          lines: [{ productId: "1", variantId: "2", title: "Mug", quantity: 2, price: { amount: 22.75, currency: "USD" } }],
        }),
      ),
    );
    expect(n.identity).toEqual({ checkoutToken: "tok-123", pixelClientId: "client-1" });
    expect(n.events).toHaveLength(1);
    expect(n.events[0]).toMatchObject({
      name: "Started Checkout",
      sourceId: "checkout:tok-123:started",
      valueMinor: 4550n,
      properties: { checkoutToken: "tok-123", totalPrice: "45.50", lineItems: [{ productId: "1", quantity: 2, price: "22.75" }] },
    });
  });

  it("checkout_started without a token is only activity", () => {
    const n = expectOk(normalizePixelEvent(stored({ ...common, name: "checkout_started", lines: [] })));
    expect(n.events.map((e) => e.name)).toEqual(["Active on Site"]);
    expect(n.identity).toEqual({ pixelClientId: "client-1" });
  });

  it("checkout_contact_info_submitted links client id, email (normalised) and checkout token", () => {
    const n = expectOk(
      normalizePixelEvent(stored({ ...common, name: "checkout_contact_info_submitted", checkoutToken: "tok-9", email: "  Ann@Example.COM " })),
    );
    expect(n.identity).toEqual({ email: "ann@example.com", checkoutToken: "tok-9", pixelClientId: "client-1" });
    expect(n.events.map((e) => e.name)).toEqual(["Active on Site"]);
  });

  it("page views -> one Active on Site per client per hour", () => {
    const a = expectOk(normalizePixelEvent(stored({ ...common, timestamp: "2025-05-01T09:00:00Z", name: "page_viewed" })));
    const b = expectOk(normalizePixelEvent(stored({ ...common, id: "sh-0002", timestamp: "2025-05-01T09:59:00Z", name: "page_viewed" })));
    const c = expectOk(normalizePixelEvent(stored({ ...common, id: "sh-0003", timestamp: "2025-05-01T10:00:00Z", name: "page_viewed" })));
    expect(a.events[0]).toMatchObject({ name: "Active on Site", sourceId: "pixel:active:client-1:2025-05-01T09" });
    expect(b.events[0].sourceId).toBe(a.events[0].sourceId);
    expect(c.events[0].sourceId).toBe("pixel:active:client-1:2025-05-01T10");
    expect(b.events[0].occurredAt).toEqual(new Date("2025-05-01T09:59:00Z")); // lastActiveAt still moves
  });

  it("a verified link (from the route) adds the profile's identities; the link beats a typed-in email", () => {
    const link = { profileId: "p1", email: "known@example.com", shopifyCustomerId: "42" };
    const n = expectOk(normalizePixelEvent(stored({ ...common, name: "page_viewed" }, link)));
    expect(n.identity).toEqual({ email: "known@example.com", shopifyCustomerId: "42", pixelClientId: "client-1" });
  });

  it("never reads identity from anything else in the payload (a token, a stray field)", () => {
    const payload = JSON.stringify({
      v: 1,
      receivedAt: receivedAt.toISOString(),
      event: { ...common, name: "page_viewed", email: "x@example.com", shopifyCustomerId: "1" },
      profileToken: "whatever",
    });
    expect(expectOk(normalizePixelEvent(payload)).identity).toEqual({ pixelClientId: "client-1" });
  });

  it("keeps the profile token out of stored URLs", () => {
    const n = expectOk(normalizePixelEvent(stored({ ...common, url: "https://shop.example/?a=1&_sft=secret.sig", name: "page_viewed" })));
    expect(n.events[0].properties.url).toBe("https://shop.example/?a=1");
  });

  it("replaces an implausible browser clock by the receipt time", () => {
    const future = expectOk(normalizePixelEvent(stored({ ...common, timestamp: "2031-01-01T00:00:00Z", name: "page_viewed" })));
    expect(future.events[0].occurredAt).toEqual(receivedAt);
    expect(plausibleTime(new Date("2025-04-30T10:30:00Z"), receivedAt)).toEqual(new Date("2025-04-30T10:30:00Z"));
    expect(plausibleTime(new Date("2025-01-01T00:00:00Z"), receivedAt)).toEqual(receivedAt);
  });

  it("rejects what is not a stored pixel event, saying why", () => {
    expect(expectError(normalizePixelEvent("{"))).toMatch(/^web_pixel: invalid JSON/);
    expect(expectError(normalizePixelEvent(JSON.stringify({ v: 2 })))).toMatch(/^web_pixel: v:/);
    const unknown = JSON.stringify({ v: 1, receivedAt: receivedAt.toISOString(), event: { ...common, name: "cart_viewed" } });
    expect(expectError(normalizePixelEvent(unknown))).toMatch(/unknown event name/);
    const badPrice = JSON.stringify({
      v: 1,
      receivedAt: receivedAt.toISOString(),
      event: { ...common, name: "product_viewed", variant: { ...variant, price: { amount: "1,00", currency: "USD" } } },
    });
    expect(expectError(normalizePixelEvent(badPrice))).toMatch(/variant\.price\.amount/);
  });
});

describe("pixelWireSchema", () => {
  const body = { shop: "Shop-A.myshopify.com", key: "k", event: { ...common, name: "page_viewed" } };

  it("accepts the pixel's body and lower-cases the shop", () => {
    expect(pixelWireSchema.parse(body).shop).toBe("shop-a.myshopify.com");
  });

  it.each([
    [{ ...body, shop: "evil.example.com" }, /shop: expected the shop's myshopify.com domain/],
    [{ ...body, event: { ...common, name: "cart_viewed" } }, /unknown event name/],
    [{ ...body, event: { ...common, name: "product_viewed" } }, /variant/],
    [{ ...body, event: { ...common, timestamp: "yesterday", name: "page_viewed" } }, /timestamp/],
    [{ ...body, event: { ...common, name: "product_added_to_cart", variant, quantity: 0 } }, /quantity/],
  ])("refuses malformed bodies %#", (bad, message) => {
    const result = pixelWireSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")).toMatch(message);
  });
});
