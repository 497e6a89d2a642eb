import { describe, expect, it } from "vitest";
import { expectOk, fixtureText } from "../events/fixtures.test-helper";
import { normalizeWebhook } from "../events/normalize";
import { normalizePixelEvent, pixelEventSchema, storedPixelPayload } from "../events/pixel";
import type { Brand } from "./mjml";
import { buildTemplateVariables, displayPrice, sampleTemplateVariables, webUrl, type TemplateVariablesInput } from "./variables";

const shop: Brand = {
  shopName: "Northwind Outfitters",
  logoUrl: "https://cdn.example.com/logo.png",
  brandColor: "#1f6f5c",
  postalAddress: "12 Harbour Street",
  shopUrl: "https://northwind.myshopify.com",
};
const links = { unsubscribe: "https://app.example/u/t1", preferences: "https://app.example/u/t1" };

function input(trigger: TemplateVariablesInput["trigger"], profile: Partial<TemplateVariablesInput["profile"]> = {}): TemplateVariablesInput {
  return {
    profile: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", properties: {}, ...profile },
    shop,
    trigger,
    discount: null,
    links,
  };
}

/** The trigger a flow run stores: the canonical event's name and properties, straight from the normaliser. */
function triggerFrom(topic: string, payload: string, name: string) {
  const event = expectOk(normalizeWebhook(topic as never, payload)).events.find((e) => e.name === name);
  if (!event) throw new Error(`no ${name}`);
  return { name: event.name, properties: event.properties };
}

describe("buildTemplateVariables", () => {
  it("reads a Started Checkout exactly as the checkout normaliser stores it", () => {
    const v = buildTemplateVariables(input(triggerFrom("checkouts/create", fixtureText("checkouts/create"), "Started Checkout")));
    expect(v.checkout).toEqual({
      url: "https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token",
      total: "$421.88",
      item_count: 2,
      line_items: [
        { title: "IPod Nano - 8GB", variant_title: "Pink", image_url: null, price: "$199.00", quantity: 1, url: "https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token" },
        { title: "IPod Nano - 8GB", variant_title: "Pink", image_url: null, price: "$199.00", quantity: 1, url: "https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token" },
      ],
    });
    expect(v.order).toBeNull();
    expect(v.product).toBeNull();
  });

  it("reads a Placed Order as the order normaliser stores it", () => {
    const v = buildTemplateVariables(input(triggerFrom("orders/create", fixtureText("orders/create"), "Placed Order")));
    expect(v.order?.name).toBe("#9999");
    expect(v.order?.line_items.map((i) => [i.title, i.price, i.url])).toEqual([
      ["Aviator sunglasses", "$89.99", "https://northwind.myshopify.com/"],
      ["Lens Protection Plan (2 Year)", "$19.99", "https://northwind.myshopify.com/"],
      ["Premium Leather Case", "$24.99", "https://northwind.myshopify.com/"],
      ["Mid-century lounger", "$159.99", "https://northwind.myshopify.com/"],
      ["Coffee table", "$119.99", "https://northwind.myshopify.com/"],
    ]);
    expect(v.checkout).toBeNull();
  });

  it("reads a Viewed Product as the pixel normaliser stores it", () => {
    const event = pixelEventSchema.parse({
      id: "e1",
      name: "product_viewed",
      timestamp: "2025-05-01T10:30:00.000Z",
      clientId: "c1",
      url: "https://northwind.myshopify.com/products/mug?_sft=secret",
      variant: { productId: "1", productTitle: "Mug", variantTitle: "Blue", price: { amount: 19.5, currency: "EUR" }, imageUrl: "//cdn.shopify.com/mug.png" },
    });
    const stored = expectOk(normalizePixelEvent(storedPixelPayload(event, new Date("2025-05-01T10:30:05Z")))).events[0];
    const v = buildTemplateVariables(input({ name: stored.name, properties: stored.properties }));
    expect(v.product).toEqual({ title: "Mug", url: "https://northwind.myshopify.com/products/mug", image_url: "https://cdn.shopify.com/mug.png", price: "€19.50" });
  });

  it("falls back to the cart for a checkout the pixel saw without a recovery URL", () => {
    const v = buildTemplateVariables(input({ name: "Started Checkout", properties: { abandonedCheckoutUrl: null, totalPrice: null, currency: null, lineItems: [] } }));
    expect(v.checkout).toEqual({ url: "https://northwind.myshopify.com/cart", line_items: [], item_count: 0, total: null });
  });

  it("drops malformed items and never throws on garbage", () => {
    const v = buildTemplateVariables(
      input({
        name: "Started Checkout",
        properties: {
          abandonedCheckoutUrl: "javascript:alert(1)",
          currency: "USD",
          totalPrice: "12.345",
          lineItems: [
            null,
            "x",
            { title: "" },
            { title: "Good", quantity: 2, price: "5.00", imageUrl: "data:image/png;base64,xx" },
            { title: { nested: true }, price: "5.00" },
            { title: "Odd quantity", quantity: -1, price: "nope" },
          ],
        },
      }),
    );
    expect(v.checkout?.url).toBe("https://northwind.myshopify.com/cart");
    expect(v.checkout?.total).toBeNull(); // more precision than USD has
    expect(v.checkout?.line_items).toEqual([
      { title: "Good", variant_title: null, image_url: null, price: "$5.00", quantity: 2, url: "https://northwind.myshopify.com/cart" },
      { title: "Odd quantity", variant_title: null, image_url: null, price: null, quantity: 1, url: "https://northwind.myshopify.com/cart" },
    ]);
    for (const properties of [null, "text", 42, [], { lineItems: "no" }, { lineItems: [{ title: "x".repeat(10_000) }] }]) {
      expect(() => buildTemplateVariables(input({ name: "Started Checkout", properties }))).not.toThrow();
      expect(() => buildTemplateVariables(input({ name: "Placed Order", properties }))).not.toThrow();
      expect(() => buildTemplateVariables(input({ name: "Viewed Product", properties }))).not.toThrow();
    }
    expect(buildTemplateVariables(input({ name: "Started Checkout", properties: { lineItems: [{ title: "x".repeat(10_000) }] } })).checkout?.line_items[0].title).toHaveLength(300);
  });

  it("leaves an empty first name empty, so templates use their fallback", () => {
    expect(buildTemplateVariables(input(null, { firstName: "   " })).profile.first_name).toBeNull();
    expect(buildTemplateVariables(input(null, { firstName: null })).profile.first_name).toBeNull();
    expect(buildTemplateVariables(input(null, { firstName: " Ada " })).profile.first_name).toBe("Ada");
  });

  it("keeps printable custom properties and drops the rest", () => {
    const properties = JSON.parse('{"tier":"gold","points":120,"vip":true,"tags":["a",1,{"x":1}],"nested":{"a":1},"__proto__":{"polluted":1},"bad key":1}');
    const v = buildTemplateVariables(input(null, { properties }));
    expect(v.profile.properties).toEqual({ tier: "gold", points: 120, vip: true, tags: ["a", 1] });
    expect(Object.getPrototypeOf(v.profile.properties)).toBe(Object.prototype);
    expect(buildTemplateVariables(input(null, { properties: "not an object" })).profile.properties).toEqual({});
  });

  it("passes the shop, discount and links through in template names", () => {
    const v = buildTemplateVariables({
      ...input(null),
      discount: { code: "SAVE-1", description: "10% off", expiresAt: new Date("2026-01-02T03:04:05Z") },
    });
    expect(v.shop).toEqual({ name: "Northwind Outfitters", logo_url: "https://cdn.example.com/logo.png", brand_color: "#1f6f5c", address: "12 Harbour Street", url: "https://northwind.myshopify.com/" });
    expect(v.discount).toEqual({ code: "SAVE-1", description: "10% off", expires_at: "2026-01-02T03:04:05.000Z" });
    expect(v.links).toEqual(links);
  });
});

describe("helpers", () => {
  it("formats prices exactly in their currency", () => {
    expect(displayPrice("19.99", "USD")).toBe("$19.99");
    expect(displayPrice("1500", "JPY")).toBe("¥1,500");
    expect(displayPrice("12.345", "KWD")).toBe("KWD\u00a012.345");
    expect(displayPrice(19.5, "EUR")).toBe("€19.50");
    expect(displayPrice("abc", "USD")).toBeNull();
    expect(displayPrice("1.00", "usd")).toBeNull();
    expect(displayPrice(null, "USD")).toBeNull();
  });

  it("accepts only absolute web URLs", () => {
    expect(webUrl("https://a.example/x")).toBe("https://a.example/x");
    expect(webUrl("//cdn.example/x.png")).toBe("https://cdn.example/x.png");
    for (const bad of ["javascript:alert(1)", "data:x", "/relative", "", 42, null, `https://a.example/${"x".repeat(3000)}`]) expect(webUrl(bad)).toBeNull();
  });
});

describe("sampleTemplateVariables", () => {
  it("is a realistic customer with a two-item checkout, an order, a product and a discount", () => {
    const v = sampleTemplateVariables(shop, { now: new Date("2026-01-01T00:00:00Z") });
    expect(v.profile.first_name).toBe("Alex");
    expect(v.checkout?.line_items).toHaveLength(2);
    expect(v.checkout?.total).toBe("$218.00");
    expect(v.order?.line_items).toHaveLength(2);
    expect(v.product?.title).toBeTruthy();
    expect(v.discount?.expires_at).toBe("2026-01-08T00:00:00.000Z");
    expect(sampleTemplateVariables(shop).discount?.expires_at).toBeNull();
  });
});
