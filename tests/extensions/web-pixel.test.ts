import type { ExtensionApi } from "@shopify/web-pixels-extension";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import db from "../../app/db.server";
import { pixelWireSchema } from "../../app/domain/events/pixel";
import { rotatePixelIngestKey } from "../../app/models/pixel.server";
import { ensureShop } from "../../app/models/shop.server";
import { action } from "../../app/routes/ingest.pixel";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import {
  pageUrl,
  profileTokenFrom,
  readSettings,
  SUBSCRIBED_EVENTS,
  wireBody,
  type SubscribedEvent,
} from "../../extensions/web-pixel/src/payload";
import { callRoute } from "../helpers/remix";

const SHOP = "pixel-shop.myshopify.com";
const settings = { ingestUrl: "https://my-test-app.myshopify.io/ingest/pixel", ingestKey: "key-1" };

function context(href: string) {
  const url = new URL(href);
  return {
    document: {
      location: {
        href,
        search: url.search,
        origin: url.origin,
        host: url.host,
        hostname: url.hostname,
        pathname: url.pathname,
        hash: url.hash,
        port: url.port,
        protocol: url.protocol,
      },
      referrer: "",
      title: "Mug",
      characterSet: "UTF-8",
    },
  };
}

const productVariant = {
  id: "gid://shopify/ProductVariant/808950810",
  title: "Blue",
  untranslatedTitle: "Blue",
  sku: "MUG-B",
  image: { src: "https://cdn.example/mug.png" },
  price: { amount: 12.5, currencyCode: "USD" },
  product: { id: "632910392", title: "Mug", untranslatedTitle: "Mug", vendor: "Acme", type: "Kitchen", url: "/products/mug" },
};

// Shopify's events carry far more than we read; the fixtures hold the fields our mapping looks at.
function shopifyEvent(name: SubscribedEvent["name"], data: unknown, id = `sh-${name}`): SubscribedEvent {
  const event = { id, name, clientId: "client-x", seq: 1, type: "standard", timestamp: "2025-05-01T10:00:00.000Z", context: context("https://shop.example/products/mug?_sft=tok.sig&ref=mail"), data };
  return event as unknown as SubscribedEvent;
}

const checkout = {
  token: "tok-checkout",
  email: "Ann@Example.com",
  totalPrice: { amount: 25, currencyCode: "USD" },
  lineItems: [{ id: "1", title: "Mug", quantity: 2, variant: productVariant, finalLinePrice: { amount: 25, currencyCode: "USD" } }],
};

describe("web pixel payload mapping", () => {
  it("reads settings only when both are present and the URL is http(s)", () => {
    expect(readSettings(settings)).toEqual(settings);
    expect(readSettings({ ingestUrl: settings.ingestUrl })).toBeNull();
    expect(readSettings({ ingestUrl: "javascript:alert(1)", ingestKey: "k" })).toBeNull();
    expect(readSettings({ ingestUrl: "not a url", ingestKey: "k" })).toBeNull();
  });

  it("takes the profile token from the landing query string, and keeps it out of page URLs", () => {
    expect(profileTokenFrom("?utm_source=x&_sft=abc.def")).toBe("abc.def");
    expect(profileTokenFrom("?utm_source=x")).toBeUndefined();
    expect(profileTokenFrom("")).toBeUndefined();
    expect(pageUrl("https://shop.example/p?_sft=abc.def&a=1")).toBe("https://shop.example/p?a=1");
  });

  it("product_viewed -> variant with numeric ids, price and the page URL", () => {
    const body = wireBody(shopifyEvent("product_viewed", { productVariant }), { shop: SHOP, settings, profileToken: "tok.sig" });
    expect(body).toEqual({
      shop: SHOP,
      key: "key-1",
      profileToken: "tok.sig",
      event: {
        id: "sh-product_viewed",
        name: "product_viewed",
        timestamp: "2025-05-01T10:00:00.000Z",
        clientId: "client-x",
        url: "https://shop.example/products/mug?ref=mail",
        variant: {
          productId: "632910392",
          variantId: "808950810",
          productTitle: "Mug",
          variantTitle: "Blue",
          vendor: "Acme",
          sku: "MUG-B",
          price: { amount: 12.5, currency: "USD" },
          imageUrl: "https://cdn.example/mug.png",
          productUrl: "/products/mug",
        },
      },
    });
  });

  it("product_added_to_cart -> quantity and line total; no cart line, nothing to send", () => {
    const line = { quantity: 2, merchandise: productVariant, cost: { totalAmount: { amount: 25, currencyCode: "USD" } } };
    const body = wireBody(shopifyEvent("product_added_to_cart", { cartLine: line }), { shop: SHOP, settings });
    expect(body?.event).toMatchObject({ name: "product_added_to_cart", quantity: 2, lineTotal: { amount: 25, currency: "USD" } });
    expect(body).not.toHaveProperty("profileToken");
    expect(wireBody(shopifyEvent("product_added_to_cart", { cartLine: null }), { shop: SHOP, settings })).toBeNull();
  });

  it("checkout_started -> token, total and lines, but no email; contact info -> token and email", () => {
    const started = wireBody(shopifyEvent("checkout_started", { checkout }), { shop: SHOP, settings })?.event;
    expect(started).toEqual(expect.objectContaining({
      name: "checkout_started",
      checkoutToken: "tok-checkout",
      total: { amount: 25, currency: "USD" },
      lines: [{ productId: "632910392", variantId: "808950810", title: "Mug", variantTitle: "Blue", quantity: 2, price: { amount: 12.5, currency: "USD" } }],
    }));
    expect(started).not.toHaveProperty("email");
    const contact = wireBody(shopifyEvent("checkout_contact_info_submitted", { checkout }), { shop: SHOP, settings })?.event;
    expect(contact).toEqual(expect.objectContaining({ name: "checkout_contact_info_submitted", checkoutToken: "tok-checkout", email: "Ann@Example.com" }));
  });

  it("a product view without a product id is not sent", () => {
    const noId = { ...productVariant, product: { ...productVariant.product, id: null } };
    expect(wireBody(shopifyEvent("product_viewed", { productVariant: noId }), { shop: SHOP, settings })).toBeNull();
  });

  it("every body it builds is one the endpoint's schema accepts", () => {
    const events = [
      shopifyEvent("page_viewed", {}),
      shopifyEvent("product_viewed", { productVariant }),
      shopifyEvent("product_added_to_cart", { cartLine: { quantity: 1, merchandise: productVariant, cost: { totalAmount: { amount: 12.5, currencyCode: "USD" } } } }),
      shopifyEvent("checkout_started", { checkout }),
      shopifyEvent("checkout_started", { checkout: { ...checkout, token: null, totalPrice: null, lineItems: [] } }),
      shopifyEvent("checkout_contact_info_submitted", { checkout: { ...checkout, email: null } }),
    ];
    for (const event of events) {
      const body = wireBody(event, { shop: SHOP, settings, profileToken: "a.b" });
      const parsed = pixelWireSchema.safeParse(body);
      expect(parsed.error?.issues ?? [], event.name).toEqual([]);
    }
  });
});

describe("web pixel registration, end to end through the ingest route", () => {
  type Extend = (api: ExtensionApi) => void;
  let extend: Extend | undefined;

  beforeAll(async () => {
    vi.stubGlobal("shopify", { extend: (_point: string, fn: Extend) => (extend = fn) });
    await import("../../extensions/web-pixel/src/index");
  });
  afterEach(() => vi.unstubAllGlobals());

  /** Runs the pixel against a fake sandbox; its beacons go to the real route. */
  function boot(pixelSettings: Record<string, unknown>, landing: string, beaconResult = true) {
    if (!extend) throw new Error("the pixel did not register");
    const handlers = new Map<string, (event: unknown) => void>();
    const responses: Promise<unknown>[] = [];
    const sendBeacon = vi.fn(async (url: string, body?: string) => {
      const request = new Request(url, { method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: "https://shop.example" } });
      responses.push(callRoute(action, request));
      return beaconResult;
    });
    const api = {
      settings: pixelSettings,
      analytics: { subscribe: (name: string, fn: (event: unknown) => void) => (handlers.set(name, fn), () => true) },
      browser: { sendBeacon },
      init: { context: context(landing), data: { shop: { myshopifyDomain: SHOP } } },
    };
    extend(api as unknown as ExtensionApi);
    return { handlers, sendBeacon, settled: () => Promise.all(responses) };
  }

  it("subscribes to the five events and stays idle without settings", () => {
    const { handlers } = boot({}, "https://shop.example/");
    expect(handlers.size).toBe(0);
    const configured = boot(settings, "https://shop.example/");
    expect([...configured.handlers.keys()]).toEqual([...SUBSCRIBED_EVENTS]);
  });

  it("its beacons are accepted by the route and become canonical events on one profile", async () => {
    const shop = await ensureShop(db, SHOP);
    const ingestKey = await rotatePixelIngestKey(db, shop.id);
    const { handlers, sendBeacon, settled } = boot({ ...settings, ingestKey }, "https://shop.example/?_sft=bad.token");
    const now = new Date().toISOString();
    const fire = (name: SubscribedEvent["name"], data: unknown) =>
      handlers.get(name)?.({ ...shopifyEvent(name, data, `sh-e2e-${name}`), timestamp: now });
    fire("page_viewed", {});
    fire("product_viewed", { productVariant });
    fire("checkout_contact_info_submitted", { checkout });
    expect(sendBeacon).toHaveBeenCalledTimes(3);
    expect(JSON.parse(sendBeacon.mock.calls[0][1] ?? "{}")).toMatchObject({ shop: SHOP, profileToken: "bad.token" });
    const responses = await settled();
    expect(responses.map((r) => (r instanceof Response ? r.status : r))).toEqual([202, 202, 202]);

    await drainInboxOnce(db);
    const events = await db.event.findMany({ where: { shopId: shop.id }, orderBy: { name: "asc" } });
    expect(events.map((e) => e.name)).toEqual(["Active on Site", "Viewed Product"]);
    const identities = await db.profileIdentity.findMany({ where: { shopId: shop.id }, orderBy: { kind: "asc" } });
    expect(identities.map((i) => [i.kind, i.value])).toEqual([
      ["checkout_token", "tok-checkout"],
      ["email", "ann@example.com"],
      ["pixel_client", "client-x"],
    ]);
    expect(new Set([...events, ...identities].map((row) => row.profileId)).size).toBe(1);
  });

  it("falls back to fetch with keepalive when the beacon is refused", async () => {
    const fetchSpy = vi.fn(async () => new Response(null, { status: 202 }));
    vi.stubGlobal("fetch", fetchSpy);
    const { handlers } = boot(settings, "https://shop.example/", false);
    handlers.get("page_viewed")?.(shopifyEvent("page_viewed", {}));
    await vi.waitFor(() => expect(fetchSpy).toHaveBeenCalledTimes(1));
    expect(fetchSpy).toHaveBeenCalledWith(settings.ingestUrl, expect.objectContaining({ method: "POST", keepalive: true }));
  });
});
