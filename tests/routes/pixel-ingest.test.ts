import { beforeEach, describe, expect, it, vi } from "vitest";
import db from "../../app/db.server";
import { signProfileToken } from "../../app/domain/profile-token";
import { ensureShop } from "../../app/models/shop.server";
import { ensurePixelIngestKey, pixelSettings, rotatePixelIngestKey } from "../../app/models/pixel.server";
import { CLIENT_POLICY, MAX_BODY_BYTES, pixelRateLimiter } from "../../app/pixel-ingest.server";
import { action, loader } from "../../app/routes/ingest.pixel";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { callRoute } from "../helpers/remix";

const SHOP_A = "shop-a.myshopify.com";
const SHOP_B = "shop-b.myshopify.com";
const URL_ = "https://my-test-app.myshopify.io/ingest/pixel";
const ORIGIN = "https://shop-a.example";
const SECRET = "test-session-secret-test-session-secret"; // tests/setup/env.ts

let shopA: { id: string; key: string };
let shopB: { id: string; key: string };
let seq = 0;

async function seedShop(domain: string) {
  const shop = await ensureShop(db, domain, new Date("2025-01-01T00:00:00Z"));
  return { id: shop.id, key: await rotatePixelIngestKey(db, shop.id) };
}

/** A pixel event as the extension sends it; a fresh Shopify event id unless given. */
function pixelEvent(name: string, extra: Record<string, unknown> = {}) {
  return {
    id: `sh-${++seq}`,
    name,
    timestamp: new Date(Date.now() - 1000).toISOString(),
    clientId: "client-1",
    url: "https://shop-a.example/products/mug",
    ...extra,
  };
}

const variant = { productId: "632910392", variantId: "808950810", productTitle: "Mug", price: { amount: 12.5, currency: "USD" } };

function body(event: Record<string, unknown>, over: Record<string, unknown> = {}) {
  return JSON.stringify({ shop: SHOP_A, key: shopA.key, event, ...over });
}

function request(text: string, headers: Record<string, string> = {}, method = "POST") {
  return new Request(URL_, {
    method,
    body: method === "POST" ? text : undefined,
    headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: ORIGIN, "X-Forwarded-For": "203.0.113.7", ...headers },
  });
}

async function post(text: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await callRoute(action, request(text, headers));
  if (!(response instanceof Response)) throw new Error("expected a Response");
  return response;
}

async function counts() {
  const [inbox, events, profiles, identities] = await Promise.all([
    db.inboxEntry.count(),
    db.event.count(),
    db.profile.count(),
    db.profileIdentity.count(),
  ]);
  return { inbox, events, profiles, identities };
}

async function profileOfClient(clientId: string, shopId = shopA.id) {
  const row = await db.profileIdentity.findFirst({ where: { shopId, kind: "pixel_client", value: clientId } });
  return row?.profileId ?? null;
}

async function emailProfile(email: string, shopId = shopA.id) {
  const profile = await db.profile.create({
    data: { shopId, email, identities: { create: [{ shopId, kind: "email", value: email }] } },
  });
  return profile.id;
}

/** Posts and expects a refusal with `status` that wrote nothing. */
async function expectRefused(text: string, status: number, headers: Record<string, string> = {}) {
  await drainInboxOnce(db); // whatever was accepted earlier is processed now, not counted against this request
  const before = await counts();
  const response = await post(text, headers);
  expect(response.status).toBe(status);
  await drainInboxOnce(db);
  expect(await counts()).toEqual(before);
  return response;
}

beforeEach(async () => {
  pixelRateLimiter.reset();
  await db.shop.deleteMany();
  shopA = await seedShop(SHOP_A);
  shopB = await seedShop(SHOP_B);
});

describe("POST /ingest/pixel: accepted events", () => {
  it("stores a product view in the inbox, answers 202 with CORS, and the worker makes it a Viewed Product", async () => {
    const response = await post(body(pixelEvent("product_viewed", { variant })));
    expect(response.status).toBe(202);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(response.headers.get("Vary")).toBe("Origin");

    const [entry] = await db.inboxEntry.findMany();
    expect(entry).toMatchObject({ shopId: shopA.id, source: "web_pixel", topic: "product_viewed", dedupeKey: `sh-${seq}` });

    expect(await drainInboxOnce(db)).toMatchObject({ done: 1, failed: 0 });
    const [event] = await db.event.findMany();
    expect(event).toMatchObject({ shopId: shopA.id, name: "Viewed Product", source: "web_pixel", valueMinor: 1250n, currency: "USD" });
    expect(event.profileId).toBe(await profileOfClient("client-1"));
    expect(event.properties).toMatchObject({ productId: "632910392", price: "12.50" });
  });

  it("takes every subscribed event: add to cart, checkout started (by token), page views", async () => {
    const texts = [
      body(pixelEvent("page_viewed")),
      body(pixelEvent("product_added_to_cart", { variant, quantity: 2 })),
      body(pixelEvent("checkout_started", { checkoutToken: "tok-1", total: { amount: 25, currency: "USD" }, lines: [] })),
    ];
    for (const text of texts) expect((await post(text)).status).toBe(202);
    await drainInboxOnce(db);
    const events = await db.event.findMany({ orderBy: { name: "asc" } });
    expect(events.map((e) => [e.name, e.sourceId])).toEqual([
      ["Active on Site", expect.stringMatching(/^pixel:active:client-1:/)],
      ["Added to Cart", expect.stringMatching(/^pixel:sh-/)],
      ["Started Checkout", "checkout:tok-1:started"],
    ]);
    const profileId = await profileOfClient("client-1");
    expect(new Set(events.map((e) => e.profileId))).toEqual(new Set([profileId]));
    expect(await db.profileIdentity.findFirst({ where: { kind: "checkout_token", value: "tok-1" } })).toMatchObject({ profileId });
  });

  it("contact info links the client id to the existing email profile; later views by that client land there", async () => {
    const known = await emailProfile("ann@example.com");
    const contact = pixelEvent("checkout_contact_info_submitted", { clientId: "client-2", checkoutToken: "tok-2", email: "Ann@Example.com" });
    expect((await post(body(contact))).status).toBe(202);
    await drainInboxOnce(db);
    expect(await profileOfClient("client-2")).toBe(known);

    expect((await post(body(pixelEvent("product_viewed", { clientId: "client-2", variant })))).status).toBe(202);
    await drainInboxOnce(db);
    const view = await db.event.findFirstOrThrow({ where: { name: "Viewed Product" } });
    expect(view.profileId).toBe(known);
    expect(await db.profile.count({ where: { mergedIntoId: null } })).toBe(1);
  });

  it("a replayed event id is accepted again but stored and counted once", async () => {
    const text = body(pixelEvent("product_viewed", { variant }));
    expect((await post(text)).status).toBe(202);
    expect((await post(text)).status).toBe(202);
    await drainInboxOnce(db);
    expect((await post(text)).status).toBe(202); // after processing too
    await drainInboxOnce(db);
    expect(await counts()).toMatchObject({ inbox: 1, events: 1 });
  });

  it("ignores fields the pixel may not set (a smuggled identity link)", async () => {
    const known = await emailProfile("vip@example.com");
    const event = pixelEvent("page_viewed", { clientId: "client-3", email: "vip@example.com" });
    const text = body(event, { link: { profileId: known, email: "vip@example.com" } });
    expect((await post(text)).status).toBe(202);
    await drainInboxOnce(db);
    expect(await profileOfClient("client-3")).not.toBe(known);
  });
});

describe("POST /ingest/pixel: signed profile tokens", () => {
  const future = () => new Date(Date.now() + 3_600_000);

  it("a valid token for this shop links the client id to the token's profile", async () => {
    const known = await emailProfile("bo@example.com");
    const token = signProfileToken({ shopId: shopA.id, profileId: known, expiresAt: future() }, SECRET);
    const text = body(pixelEvent("page_viewed", { clientId: "client-4" }), { profileToken: token });
    expect((await post(text)).status).toBe(202);
    const [entry] = await db.inboxEntry.findMany();
    expect(entry.payload).not.toContain(token); // the credential is not stored
    await drainInboxOnce(db);
    expect(await profileOfClient("client-4")).toBe(known);
  });

  it.each([
    ["forged", (shopId: string, profileId: string) => signProfileToken({ shopId, profileId, expiresAt: new Date(Date.now() + 3_600_000) }, `${SECRET}-other`)],
    ["expired", (shopId: string, profileId: string) => signProfileToken({ shopId, profileId, expiresAt: new Date(Date.now() - 1000) }, SECRET)],
    ["garbage", () => "not-a-token"],
  ])("a %s token is ignored: the event is kept, no link is made", async (_label, make) => {
    const known = await emailProfile("cy@example.com");
    const text = body(pixelEvent("page_viewed", { clientId: "client-5" }), { profileToken: make(shopA.id, known) });
    expect((await post(text)).status).toBe(202);
    await drainInboxOnce(db);
    const linked = await profileOfClient("client-5");
    expect(linked).not.toBeNull();
    expect(linked).not.toBe(known);
    expect(await db.profileIdentity.count({ where: { profileId: known } })).toBe(1);
  });

  it("a token minted for another shop is ignored", async () => {
    const inB = await emailProfile("dee@example.com", shopB.id);
    const token = signProfileToken({ shopId: shopB.id, profileId: inB, expiresAt: future() }, SECRET);
    expect((await post(body(pixelEvent("page_viewed", { clientId: "client-6" }), { profileToken: token }))).status).toBe(202);
    await drainInboxOnce(db);
    expect(await db.profileIdentity.count({ where: { shopId: shopA.id, kind: "email" } })).toBe(0);
    expect(await db.profileIdentity.count({ where: { shopId: shopB.id } })).toBe(1);
  });
});

describe("POST /ingest/pixel: refusals write nothing", () => {
  it("wrong key -> 401", async () => {
    const response = await expectRefused(body(pixelEvent("page_viewed"), { key: "wrong" }), 401);
    expect(await response.json()).toEqual({ error: "invalid ingest key" });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
  });

  it("missing key -> 401", async () => {
    await expectRefused(JSON.stringify({ shop: SHOP_A, event: pixelEvent("page_viewed") }), 401);
  });

  it("another shop's key -> 401", async () => {
    await expectRefused(body(pixelEvent("page_viewed"), { key: shopB.key }), 401);
  });

  it("a shop whose key was rotated refuses the old key", async () => {
    const old = shopA.key;
    await rotatePixelIngestKey(db, shopA.id);
    await expectRefused(body(pixelEvent("page_viewed"), { key: old }), 401);
  });

  it("unknown or uninstalled shop -> 404", async () => {
    await expectRefused(body(pixelEvent("page_viewed"), { shop: "nobody.myshopify.com" }), 404);
    await db.shop.update({ where: { id: shopA.id }, data: { uninstalledAt: new Date() } });
    await expectRefused(body(pixelEvent("page_viewed")), 404);
  });

  it("malformed JSON -> 400", async () => {
    const response = await expectRefused("{not json", 400);
    expect(await response.json()).toEqual({ error: "body is not valid JSON" });
  });

  it("unknown event name or bad field types -> 400 naming the problem", async () => {
    const unknown = await expectRefused(body(pixelEvent("cart_viewed")), 400);
    expect((await unknown.json()).error).toMatch(/event\.name: unknown event name; expected one of page_viewed, product_viewed/);
    const badType = await expectRefused(body(pixelEvent("product_added_to_cart", { variant, quantity: "two" })), 400);
    expect((await badType.json()).error).toMatch(/event\.quantity/);
    const badShop = await expectRefused(body(pixelEvent("page_viewed"), { shop: "https://shop-a.example" }), 400);
    expect((await badShop.json()).error).toMatch(/^shop: /);
  });

  it("bodies over the cap -> 413, whether declared or streamed", async () => {
    const padding = "x".repeat(MAX_BODY_BYTES);
    const big = body(pixelEvent("page_viewed", { url: `https://shop-a.example/?q=${padding}` }));
    await expectRefused(big, 413);
    await expectRefused(big, 413, { "Content-Length": String(big.length) });
  });

  it("a burst beyond the per-client limit -> 429 with Retry-After; other clients go on", async () => {
    // The burst happens within one instant, however slow the machine: a refill between requests is not a burst.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      for (let i = 0; i < CLIENT_POLICY.capacity; i++) {
        expect((await post(body(pixelEvent("page_viewed", { clientId: "busy" })))).status).toBe(202);
        // However slow the machine (a full second here), the burst stays within one instant.
        if (i === CLIENT_POLICY.capacity - 1) await new Promise((resolve) => setTimeout(resolve, 1100));
      }
      const response = await expectRefused(body(pixelEvent("page_viewed", { clientId: "busy" })), 429);
      expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect((await post(body(pixelEvent("page_viewed", { clientId: "calm" })))).status).toBe(202);
    } finally {
      vi.useRealTimers();
    }
  });

  it("per-IP limit: many client ids from one address are cut off too", async () => {
    // The clock stands still: on a busy machine the bucket would refill (20/s) as fast as requests arrive.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    let status = 202;
    let sent = 0;
    try {
      while (status === 202 && sent < 1000) {
        status = (await post(body(pixelEvent("page_viewed", { clientId: `c${sent}` })), { "X-Forwarded-For": "198.51.100.1" })).status;
        sent++;
      }
    } finally {
      vi.useRealTimers();
    }
    expect(status).toBe(429);
    expect(sent).toBeGreaterThan(CLIENT_POLICY.capacity);
    // The same client ids from another address are fine.
    expect((await post(body(pixelEvent("page_viewed", { clientId: "c0" })), { "X-Forwarded-For": "198.51.100.2" })).status).toBe(202);
  }, 120_000);

  it("per-IP limit uses the server's clientIp (load context) over a client-written X-Forwarded-For", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    let status = 202;
    let sent = 0;
    try {
      while (status === 202 && sent < 1000) {
        const req = request(body(pixelEvent("page_viewed", { clientId: `d${sent}` })), { "X-Forwarded-For": `10.0.${sent >> 8}.${sent & 255}` });
        status = (await action({ request: req, params: {}, context: { clientIp: "192.0.2.9" } })).status;
        sent++;
      }
    } finally {
      vi.useRealTimers();
    }
    expect(status).toBe(429);
  }, 120_000);
});

describe("/ingest/pixel: other methods", () => {
  it("answers the CORS preflight (Remix routes OPTIONS to the loader)", async () => {
    const preflight = new Request(URL_, {
      method: "OPTIONS",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    const response = await callRoute(loader, preflight);
    if (!(response instanceof Response)) throw new Error("expected a Response");
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
    expect(response.headers.get("Access-Control-Allow-Methods")).toBe("POST, OPTIONS");
    expect(response.headers.get("Access-Control-Allow-Headers")).toBe("Content-Type");
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
  });

  it("GET -> 405", async () => {
    const response = await callRoute(loader, request("", {}, "GET"));
    expect(response instanceof Response && response.status).toBe(405);
  });
});

describe("pixel ingest keys", () => {
  it("ensurePixelIngestKey creates a key once and then returns it; rotation replaces it", async () => {
    const shop = await ensureShop(db, "fresh.myshopify.com");
    const [first, second] = await Promise.all([ensurePixelIngestKey(db, shop.id), ensurePixelIngestKey(db, shop.id)]);
    expect(first).toMatch(/^[\w-]{32}$/);
    expect(second).toBe(first);
    const rotated = await rotatePixelIngestKey(db, shop.id);
    expect(rotated).not.toBe(first);
    expect(await ensurePixelIngestKey(db, shop.id)).toBe(rotated);
  });

  it("pixelSettings gives the web pixel's settings for webPixelCreate", () => {
    expect(pixelSettings("https://app.example.com/", "k")).toEqual({ ingestUrl: "https://app.example.com/ingest/pixel", ingestKey: "k" });
  });
});
