// Every public endpoint fed seeded garbage (issue 9): malformed, oversized, unsigned, wrongly signed and replayed
// input gets a 4xx (or the endpoint's fixed harmless answer), never a 5xx or a thrown error, and writes nothing.
import { createHmac, randomUUID } from "node:crypto";
import { Webhook } from "svix";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../app/demo/random";
import { env } from "../../app/env.server";
import db from "../../app/db.server";
import { rotatePixelIngestKey } from "../../app/models/pixel.server";
import { ensureShop } from "../../app/models/shop.server";
import { pixelRateLimiter } from "../../app/pixel-ingest.server";
import { signupRateLimiter } from "../../app/signup-proxy.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { appProxyQuery } from "../helpers/app-proxy";
import { WEBHOOK_ROUTES, type RoutedTopic } from "../helpers/ingest";
import { callRoute } from "../helpers/remix";
import { fixtureBody, webhookRequest } from "../helpers/shopify";

const SHOP = "fuzz-shop.myshopify.com";
const APP = "https://my-test-app.myshopify.io";
const RESEND_SECRET = `whsec_${Buffer.from("fuzzing the resend webhook endpoint").toString("base64")}`;
const ROUNDS = 25;

type Handler = Parameters<typeof callRoute>[0];
const route = async (name: string) => (await import(`../../app/routes/${name}.tsx`)) as { loader?: Handler; action?: Handler };

let shopId = "";
let pixelKey = "";
const random = seededRandom(20261125);

/** Garbage of many shapes: bytes, broken and hostile JSON, huge and deeply nested values, control characters. */
function garbage(): string {
  const r = random;
  const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(r.int(0, 0xffff))).join("");
  switch (r.int(0, 9)) {
    case 0:
      return text(r.int(0, 200));
    case 1:
      return "{".repeat(r.int(1, 5000));
    case 2:
      return JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { polluted: 1 } }, id: r.int(0, 1e9) });
    case 3:
      return "[" + "[".repeat(3000) + "]".repeat(3000) + "]";
    case 4:
      return JSON.stringify({ id: 1e308, email: "a".repeat(r.int(1, 5000)), shop: "\u0000\u202e" + text(20) });
    case 5:
      return JSON.stringify(Array.from({ length: r.int(1, 50) }, () => ({ line_items: [{ price: "NaN", quantity: -1 }] })));
    case 6:
      return "\uFEFF" + JSON.stringify({ event: { id: text(10), name: "product_viewed" } });
    case 7:
      return "null";
    case 8:
      return `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${text(30)}`;
    default:
      return new URLSearchParams({ email: text(r.int(0, 300)), form_id: text(r.int(0, 80)), website: r.chance(0.5) ? "x" : "" }).toString();
  }
}

const garbageToken = () => random.pick(["", ".", "a.b", "x".repeat(random.int(1, 6000)), `${Buffer.from(garbage().slice(0, 200)).toString("base64url")}.${"A".repeat(22)}`, "../../etc/passwd", "%00", "🙂.🙂"]);

async function snapshot() {
  const [inbox, profiles, events, messages, pending, forms, tasks, suppressions] = await Promise.all([
    db.inboxEntry.count(),
    db.profile.count(),
    db.event.count(),
    db.message.findMany({ select: { id: true, status: true, firstOpenedAt: true, firstClickedAt: true } }),
    db.pendingSignup.count(),
    db.signupFormDay.count(),
    db.shopifyTask.count(),
    db.suppression.count(),
  ]);
  return { inbox, profiles, events, messages, pending, forms, tasks, suppressions };
}

/** Calls the handler with the request; a thrown non-Response error fails the test, as a 500 would. */
async function statusOf(handler: Handler | undefined, request: Request, params: Record<string, string> = {}) {
  if (!handler) throw new Error("no handler");
  const result = await callRoute(handler, request, params);
  if (!(result instanceof Response)) throw new Error("expected a Response");
  await result.arrayBuffer();
  return result.status;
}

/** Runs `attempt` `rounds` times; every status must be in `allowed` and nothing may be written (the worker included). */
async function fuzz(name: string, allowed: number[], attempt: () => Promise<number>, rounds = ROUNDS) {
  await drainInboxOnce(db);
  const before = await snapshot();
  const seen = new Set<number>();
  for (let i = 0; i < rounds; i++) {
    const status = await attempt();
    seen.add(status);
    expect({ endpoint: name, status }).toEqual({ endpoint: name, status: expect.toSatisfy((s: number) => allowed.includes(s)) });
  }
  await drainInboxOnce(db);
  expect({ endpoint: name, after: await snapshot() }).toEqual({ endpoint: name, after: before });
  return seen;
}

beforeAll(async () => {
  shopId = (await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"))).id;
  pixelKey = await rotatePixelIngestKey(db, shopId);
  const profile = await db.profile.create({ data: { shopId, email: "fuzz@lovelace.net", emailConsent: "subscribed" } });
  await db.message.create({ data: { shopId, profileId: profile.id, toEmail: "fuzz@lovelace.net", subject: "Hi", idempotencyKey: "fuzz-1", status: "sent", providerMessageId: "re_fuzz_1", sentAt: new Date() } });
});

beforeEach(() => {
  pixelRateLimiter.reset();
  signupRateLimiter.reset();
});

describe("public endpoints under garbage", () => {
  it("Shopify webhooks: unsigned, wrongly signed, malformed or oversized deliveries are refused", async () => {
    const topics = Object.keys(WEBHOOK_ROUTES) as RoutedTopic[];
    // An empty body has nothing to check a signature against: the library calls it malformed (400), not forged.
    const nonEmpty = () => garbage() || "{}";
    for (const topic of topics) {
      const { action } = WEBHOOK_ROUTES[topic];
      await fuzz(`${topic} unsigned`, [401], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: nonEmpty(), secret: null })));
      await fuzz(`${topic} wrong secret`, [401], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: nonEmpty(), secret: "not-the-secret" })));
      // Signed by Shopify but not JSON: refused before the inbox.
      await fuzz(`${topic} signed non-JSON`, [400, 413], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: `{${garbage()}` })));
      await fuzz(`${topic} oversized`, [413], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024 + random.int(1, 1000)) }) })), 2);
    }
    for (const name of ["webhooks.customers.data_request", "webhooks.customers.redact", "webhooks.shop.redact", "webhooks.app.uninstalled"]) {
      const { action } = await route(name);
      const topic = name.replace("webhooks.", "").replace(".", "/");
      await fuzz(`${topic} unsigned`, [401], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: nonEmpty(), secret: null })));
      await fuzz(`${topic} wrong secret`, [401], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: nonEmpty(), secret: "nope" })));
      await fuzz(`${topic} empty`, [400, 401], () => statusOf(action, webhookRequest({ topic, shop: SHOP, body: "", secret: "nope" })), 1);
    }
  });

  it("Shopify webhooks: a signed delivery replayed ten times is one inbox entry", async () => {
    const body = fixtureBody("orders/create");
    const webhookId = randomUUID();
    const before = await db.inboxEntry.count();
    for (let i = 0; i < 10; i++) expect(await statusOf(WEBHOOK_ROUTES["orders/create"].action, webhookRequest({ topic: "orders/create", shop: SHOP, body, webhookId }))).toBe(200);
    expect(await db.inboxEntry.count()).toBe(before + 1);
    await drainInboxOnce(db);
  });

  it("the web pixel endpoint refuses garbage, foreign keys and oversized bodies", async () => {
    const { action } = await route("ingest.pixel");
    const post = (body: string) => new Request(`${APP}/ingest/pixel`, { method: "POST", body, headers: { "Content-Type": "text/plain", "X-Forwarded-For": `203.0.113.${random.int(1, 250)}` } });
    await fuzz("pixel garbage", [400, 413], () => statusOf(action, post(garbage())));
    const event = () => ({ id: randomUUID(), name: "page_viewed", timestamp: new Date().toISOString(), clientId: "c1", url: "https://fuzz.example/" });
    await fuzz("pixel wrong key", [401], () => statusOf(action, post(JSON.stringify({ shop: SHOP, key: garbage().slice(0, 60) || "x", event: event() }))));
    await fuzz("pixel oversized", [413], () => statusOf(action, post(JSON.stringify({ shop: SHOP, key: pixelKey, event: { ...event(), url: "x".repeat(40_000) } }))));
  });

  it("the signup form's app proxy endpoints refuse unsigned, garbage and oversized posts", async () => {
    const signup = await route("proxy.signup");
    const view = await route("proxy.form-view");
    const post = (path: string, body: string, query: URLSearchParams) =>
      new Request(`${APP}/proxy/${path}?${query}`, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json", "X-Forwarded-For": `198.51.100.${random.int(1, 250)}` } });
    const badQuery = () => random.pick([new URLSearchParams({ shop: SHOP }), new URLSearchParams(garbage().slice(0, 100)), appProxyQuery(SHOP, { secret: "wrong" }), appProxyQuery(SHOP, { timestamp: 1 })]);
    await fuzz("signup unsigned", [401], () => statusOf(signup.action, post("signup", garbage(), badQuery())));
    await fuzz("form view unsigned", [401], () => statusOf(view.action, post("form-view", garbage(), badQuery())));
    // Signed, but the body is garbage: refused by shape, email or honeypot (a quiet 200 that stores nothing).
    await fuzz("signup garbage", [200, 400, 413, 422], () => statusOf(signup.action, post("signup", garbage(), appProxyQuery(SHOP))));
    await fuzz("form view garbage", [400, 413], () => statusOf(view.action, post("form-view", garbage(), appProxyQuery(SHOP))));
  });

  it("email links refuse forged tokens: the open pixel answers its image, the others a 400 page", async () => {
    const open = await route("t.o.$token");
    const click = await route("t.c.$token");
    const unsubscribe = await route("u.$token");
    const confirm = await route("signup.confirm.$token");
    const get = (path: string) => new Request(`${APP}${path}`);
    const post = (path: string) => new Request(`${APP}${path}`, { method: "POST", body: "List-Unsubscribe=One-Click", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    await fuzz("open pixel", [200], () => {
      const token = garbageToken();
      return statusOf(open.loader, get(`/t/o/${encodeURIComponent(token)}`), { token });
    });
    await fuzz("click", [400], () => {
      const token = garbageToken();
      return statusOf(click.loader, get(`/t/c/${encodeURIComponent(token)}`), { token });
    });
    await fuzz("one-click unsubscribe", [400, 413], () => {
      const token = garbageToken();
      return statusOf(unsubscribe.action, post(`/u/${encodeURIComponent(token)}`), { token });
    });
    await fuzz("signup confirmation", [400], () => {
      const token = garbageToken();
      return statusOf(confirm.action, post(`/signup/confirm/${encodeURIComponent(token)}`), { token });
    });
  });

  it("Resend's webhook refuses unsigned, wrongly signed, stale and garbage deliveries", async () => {
    const resend = await route("webhooks.resend");
    const configured = env.RESEND_WEBHOOK_SECRET;
    env.RESEND_WEBHOOK_SECRET = RESEND_SECRET;
    try {
      const signer = new Webhook(RESEND_SECRET);
      const request = (body: string, sign: "none" | "wrong" | "stale" | "good") => {
        const id = `msg_${randomUUID()}`;
        const at = sign === "stale" ? new Date(Date.now() - 3_600_000) : new Date();
        const headers: Record<string, string> = { "Content-Type": "application/json", "svix-id": id, "svix-timestamp": String(Math.floor(at.getTime() / 1000)) };
        if (sign === "wrong") headers["svix-signature"] = `v1,${createHmac("sha256", "nope").update(body).digest("base64")}`;
        if (sign === "good" || sign === "stale") headers["svix-signature"] = signer.sign(id, at, body);
        return new Request(`${APP}/webhooks/resend`, { method: "POST", body, headers });
      };
      await fuzz("resend unsigned", [401], () => statusOf(resend.action, request(garbage(), "none")));
      await fuzz("resend wrong signature", [401], () => statusOf(resend.action, request(garbage(), "wrong")));
      const bounce = JSON.stringify({ type: "email.bounced", created_at: new Date().toISOString(), data: { email_id: "re_fuzz_1", bounce: { type: "Permanent" } } });
      await fuzz("resend stale", [401], () => statusOf(resend.action, request(bounce, "stale")));
      // Correctly signed garbage: the signature holds, the content does not (or names no message of ours).
      await fuzz("resend signed garbage", [200, 400, 413], () => statusOf(resend.action, request(garbage(), "good")));
    } finally {
      env.RESEND_WEBHOOK_SECRET = configured;
    }
  });
});
