// The browse-abandonment preset end to end: web-pixel events POSTed to the real /ingest/pixel route (and an
// orders/create webhook) -> inbox -> events -> flow worker -> outbox. The route stamps receipt with `new Date()`, so
// Date (only Date) is faked and moved along with the virtual clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import db from "../../app/db.server";
import { signProfileToken } from "../../app/domain/profile-token";
import { switchOnPreset } from "../../app/models/flow-definitions.server";
import { rotatePixelIngestKey } from "../../app/models/pixel.server";
import { ensureShop } from "../../app/models/shop.server";
import { pixelRateLimiter } from "../../app/pixel-ingest.server";
import { action } from "../../app/routes/ingest.pixel";
import { flowClock } from "../helpers/flows";
import { deliver } from "../helpers/ingest";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";
import { callRoute } from "../helpers/remix";

const SHOP = "flows-browse.myshopify.com";
const SECRET = "test-session-secret-test-session-secret"; // tests/setup/env.ts
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date("2026-11-20T10:00:00Z");
const at = (days: number, hours = 0, minutes = 0) => new Date(T0.getTime() + days * DAY + hours * HOUR + minutes * 60_000);

let shopId: string;
let ingestKey: string;
let seq = 0;

const clock = flowClock(() => shopId);
async function tick(now: Date) {
  vi.setSystemTime(now);
  return clock.tick(now);
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  pixelRateLimiter.reset();
  await db.shop.deleteMany();
  const shop = await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"));
  shopId = shop.id;
  ingestKey = await rotatePixelIngestKey(db, shopId);
  await switchOnPreset(db, shopId, "browse_abandonment");
  clock.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A subscribed customer (consent given 2026-10-01), via customers/create; returns the profile id. */
async function customer(customerId: string, email: string): Promise<string> {
  const when = "2026-10-01T12:00:00Z";
  const body = samplePayload("customers/create", (c) => {
    c.id = bigId(customerId);
    c.admin_graphql_api_id = `gid://shopify/Customer/${customerId}`;
    c.email = email;
    c.first_name = "Bo";
    c.created_at = when;
    c.updated_at = when;
    c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: when };
  });
  expect(await deliver("customers/create", body, { shop: SHOP, triggeredAt: when })).toBe(200);
  await tick(T0); // ingest the customer before any storefront event
  const profile = await db.profile.findFirstOrThrow({ where: { shopId, email } });
  return profile.id;
}

const variant = (productId: string) => ({
  productId: `gid://shopify/Product/${productId}`,
  variantId: "49148385591613",
  productTitle: "Stoneware mug",
  price: { amount: 24, currency: "USD" },
});

/**
 * One storefront event that happened at `when`, POSTed to /ingest/pixel a second later. `profileId` adds a signed profile token (as an email
 * link's `_sft` would): the route links the pixel client id to that profile, and later events of the client follow.
 */
async function pixel(when: Date, clientId: string, name: string, extra: Record<string, unknown>, profileId?: string) {
  vi.setSystemTime(new Date(when.getTime() + 1000)); // received a second after it happened in the browser
  const event = { id: `sh-browse-${++seq}`, name, timestamp: when.toISOString(), clientId, url: "https://shop.example/products/mug", ...extra };
  const profileToken = profileId ? signProfileToken({ shopId, profileId, expiresAt: new Date(when.getTime() + DAY) }, SECRET) : undefined;
  const request = new Request("https://my-test-app.myshopify.io/ingest/pixel", {
    method: "POST",
    body: JSON.stringify({ shop: SHOP, key: ingestKey, event, ...(profileToken ? { profileToken } : {}) }),
    headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: "https://shop.example", "X-Forwarded-For": "203.0.113.9" },
  });
  const response = await callRoute(action, request);
  expect(response instanceof Response && response.status).toBe(202);
}

const viewProduct = (when: Date, clientId: string, productId: string, profileId?: string) =>
  pixel(when, clientId, "product_viewed", { variant: variant(productId) }, profileId);

const messagesTo = (email: string) => db.message.findMany({ where: { shopId, toEmail: email }, orderBy: { queuedAt: "asc" } });
const runsOf = (email: string) => db.flowRun.findMany({ where: { shopId, profile: { email } }, orderBy: { enteredAt: "asc" } });
const skipsOf = (state: unknown) => ((state as { skips?: Array<{ stepId: string; reason: string }> }).skips ?? []).map((s) => [s.stepId, s.reason]);

describe("browse abandonment flow", () => {
  it("sends one email 2 hours after a product view, and not again within 30 days", async () => {
    const profileId = await customer("9007199254741001", "viewer@example.com");
    await viewProduct(at(0, 0, 5), "client-viewer", "9007199254741993", profileId);
    const first = await tick(at(0, 0, 6));
    expect(first.triggered.started).toBe(1);
    const [event] = await db.event.findMany({ where: { shopId, name: "Viewed Product" } });
    expect(event).toMatchObject({ profileId, source: "web_pixel", sourceId: expect.stringMatching(/^pixel:sh-browse-/) });
    expect(event.properties).toMatchObject({ productId: "9007199254741993" });
    expect((await runsOf("viewer@example.com"))[0]).toMatchObject({ status: "waiting", nextRunAt: at(0, 2, 5) });

    // Another view while the run waits: no second run (the client id is linked now, no token needed).
    await viewProduct(at(0, 1), "client-viewer", "9007199254741995");
    const during = await tick(at(0, 1, 1));
    expect(during.triggered).toMatchObject({ started: 0, refused: { active_run: 1 } });

    await tick(at(0, 2, 4));
    expect(await messagesTo("viewer@example.com")).toHaveLength(0);
    await tick(at(0, 2, 5));
    expect((await messagesTo("viewer@example.com")).map((m) => [m.stepId, m.subject, m.status, m.sentAt])).toEqual([
      ["browse_1", "Still thinking it over?", "sent", at(0, 2, 5)],
    ]);

    // Views on day 3 and day 29: not in this flow again within 30 days of entering it.
    for (const day of [3, 29]) {
      await viewProduct(at(day), "client-viewer", "9007199254741993");
      const again = await tick(at(day, 0, 1));
      expect(again.triggered).toMatchObject({ started: 0, refused: { reentry: 1 } });
    }
    await tick(at(29, 3));
    expect(await messagesTo("viewer@example.com")).toHaveLength(1);

    // Day 31: more than 30 days since entering, a new run and a second email 2 hours later.
    await viewProduct(at(31), "client-viewer", "9007199254741993");
    expect((await tick(at(31, 0, 1))).triggered.started).toBe(1);
    await tick(at(31, 2));
    expect((await messagesTo("viewer@example.com")).map((m) => [m.stepId, m.sentAt])).toEqual([
      ["browse_1", at(0, 2, 5)],
      ["browse_1", at(31, 2)],
    ]);
  });

  it("sends nothing to who added to cart, started checkout or ordered since viewing", async () => {
    const cart = await customer("9007199254742001", "cart@example.com");
    const checkout = await customer("9007199254742003", "checkout@example.com");
    const order = await customer("9007199254742005", "order@example.com");
    const plain = await customer("9007199254742007", "plain@example.com");
    await viewProduct(at(0, 0, 5), "client-cart", "9007199254741993", cart);
    await viewProduct(at(0, 0, 5), "client-checkout", "9007199254741993", checkout);
    await viewProduct(at(0, 0, 5), "client-order", "9007199254741993", order);
    await viewProduct(at(0, 0, 5), "client-plain", "9007199254741993", plain);
    expect((await tick(at(0, 0, 6))).triggered.started).toBe(4);

    await pixel(at(0, 1), "client-cart", "product_added_to_cart", { variant: variant("9007199254741993"), quantity: 1 });
    await pixel(at(0, 1), "client-checkout", "checkout_started", {
      checkoutToken: "c9007199254742003tok",
      total: { amount: 24, currency: "USD" },
      lines: [{ productId: "9007199254741993", quantity: 1, price: { amount: 24, currency: "USD" } }],
    });
    const placed = at(0, 1, 30);
    const body = orderPayload("orders/create", { id: "45035996273706001", customerId: "9007199254742005", email: "order@example.com", createdAt: placed.toISOString() });
    expect(await deliver("orders/create", body, { shop: SHOP, triggeredAt: placed.toISOString() })).toBe(200);
    await tick(at(0, 1, 31));
    const kinds = await db.event.findMany({ where: { shopId, name: { in: ["Added to Cart", "Started Checkout", "Placed Order"] } } });
    expect(new Set(kinds.map((e) => `${e.name}:${e.profileId}`))).toEqual(
      new Set([`Added to Cart:${cart}`, `Started Checkout:${checkout}`, `Placed Order:${order}`]),
    );

    await tick(at(0, 2, 5));
    await tick(at(1));
    expect((await db.message.findMany({ where: { shopId } })).map((m) => m.toEmail)).toEqual(["plain@example.com"]);
    for (const email of ["cart@example.com", "checkout@example.com", "order@example.com"]) {
      const [run] = await runsOf(email);
      expect(run.status).toBe("completed");
      expect(skipsOf(run.state)).toEqual([["browse_1", "flow_filters"]]);
    }
  });

  it("a cart add before the view does not count: only what happened since the view stops the email", async () => {
    const profileId = await customer("9007199254744001", "earlier@example.com");
    await pixel(at(0, 0, 1), "client-earlier", "product_added_to_cart", { variant: variant("9007199254741993"), quantity: 2 }, profileId);
    await viewProduct(at(0, 0, 5), "client-earlier", "9007199254741995");
    expect((await tick(at(0, 0, 6))).triggered.started).toBe(1);
    await tick(at(0, 2, 5));
    expect((await messagesTo("earlier@example.com")).map((m) => m.stepId)).toEqual(["browse_1"]);
  });

  it("an anonymous visitor (no email) gets a run but no email", async () => {
    await viewProduct(at(0, 0, 5), "client-anon", "9007199254741993");
    expect((await tick(at(0, 0, 6))).triggered.started).toBe(1);
    await tick(at(0, 2, 5));
    expect(await db.message.count({ where: { shopId } })).toBe(0);
    const run = await db.flowRun.findFirstOrThrow({ where: { shopId } });
    expect(skipsOf(run.state)).toEqual([["browse_1", "no_email"]]);
  });

  it("postpones the email past quiet hours in the shop's timezone", async () => {
    await db.shop.update({ where: { id: shopId }, data: { timezone: "Europe/Berlin" } });
    const profileId = await customer("9007199254743001", "late@example.com");
    const evening = new Date("2026-11-20T19:30:00Z"); // 20:30 in Berlin (CET); due 22:30, inside 21:00-08:00
    await viewProduct(evening, "client-late", "9007199254741993", profileId);
    await tick(new Date(evening.getTime() + 60_000));
    await tick(new Date(evening.getTime() + 2 * HOUR));
    expect(await messagesTo("late@example.com")).toHaveLength(0);
    const morning = new Date("2026-11-21T07:00:00Z"); // 08:00 CET
    expect((await runsOf("late@example.com"))[0]).toMatchObject({ status: "waiting", nextRunAt: morning });
    await tick(morning);
    expect((await messagesTo("late@example.com")).map((m) => [m.stepId, m.sentAt])).toEqual([["browse_1", morning]]);
  });
});
