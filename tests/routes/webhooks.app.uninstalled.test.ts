import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { ensureShop } from "../../app/models/shop.server";
import { action } from "../../app/routes/webhooks.app.uninstalled";
import { fixtureBody, webhookRequest } from "../helpers/shopify";

const SHOP_A = "shop-a.myshopify.com";
const SHOP_B = "shop-b.myshopify.com";

async function seedShop(domain: string) {
  await ensureShop(db, domain, new Date("2026-01-01T00:00:00Z"));
  await db.session.create({
    data: { id: `offline_${domain}`, shop: domain, state: "state", isOnline: false, accessToken: "shpat_secret" },
  });
}

async function snapshot() {
  const shops = await db.shop.findMany({ orderBy: { domain: "asc" }, select: { domain: true, uninstalledAt: true } });
  const sessions = await db.session.findMany({ orderBy: { id: "asc" }, select: { id: true } });
  return { shops, sessions };
}

/** Runs the route the way Remix does; a thrown Response (authenticate.webhook's 401/400) is the answer. */
async function deliver(request: Request): Promise<Response> {
  try {
    return await action({ request, params: {}, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe("POST /webhooks/app/uninstalled", () => {
  beforeEach(async () => {
    await db.session.deleteMany();
    await db.shop.deleteMany();
    await seedShop(SHOP_A);
    await seedShop(SHOP_B);
  });

  it("accepts a delivery signed as Shopify signs it: sessions go, the shop is marked uninstalled", async () => {
    const triggeredAt = "2026-11-24T10:00:00.000Z";
    const response = await deliver(
      webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: fixtureBody("app/uninstalled"), triggeredAt }),
    );
    expect(response.status).toBe(200);
    const after = await snapshot();
    expect(after.sessions.map((s) => s.id)).toEqual([`offline_${SHOP_B}`]);
    expect(after.shops).toEqual([
      { domain: SHOP_A, uninstalledAt: new Date(triggeredAt) },
      { domain: SHOP_B, uninstalledAt: null },
    ]);
  });

  it("is harmless when Shopify redelivers it", async () => {
    const request = () =>
      webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: fixtureBody("app/uninstalled"), webhookId: "same" });
    expect((await deliver(request())).status).toBe(200);
    const first = await snapshot();
    expect((await deliver(request())).status).toBe(200);
    expect(await snapshot()).toEqual(first);
  });

  const rejected: Array<[string, () => Request, number]> = [
    [
      "a wrong signature",
      () => webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: fixtureBody("app/uninstalled"), secret: "not-the-secret" }),
      401,
    ],
    [
      "no signature",
      () => webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: fixtureBody("app/uninstalled"), secret: null }),
      401,
    ],
    [
      "a body changed after signing",
      () => {
        const signed = webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: fixtureBody("app/uninstalled") });
        return new Request(signed.url, { method: "POST", headers: signed.headers, body: '{"id":1}' });
      },
      401,
    ],
  ];

  it.each(rejected)("rejects %s with %d and writes nothing", async (_name, makeRequest, status) => {
    const before = await snapshot();
    const response = await deliver(makeRequest());
    expect(response.status).toBe(status);
    expect(await snapshot()).toEqual(before);
  });

  it("rejects a genuine delivery replayed under another shop's header, writing nothing", async () => {
    const payload = fixtureBody("app/uninstalled").replace('"myshopify_domain": null', `"myshopify_domain": "${SHOP_A}"`);
    const before = await snapshot();
    const response = await deliver(webhookRequest({ topic: "app/uninstalled", shop: SHOP_B, body: payload }));
    expect(response.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("ignores a late delivery from before the shop reinstalled", async () => {
    await db.shop.update({ where: { domain: SHOP_A }, data: { installedAt: new Date("2026-11-24T12:00:00Z") } });
    const before = await snapshot();
    const response = await deliver(
      webhookRequest({
        topic: "app/uninstalled",
        shop: SHOP_A,
        body: fixtureBody("app/uninstalled"),
        triggeredAt: "2026-11-24T11:00:00Z",
      }),
    );
    expect(response.status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  it("rejects a signed body that is not JSON and writes nothing", async () => {
    const before = await snapshot();
    const response = await deliver(webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: "{not json" }));
    expect(response.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("rejects a request missing Shopify's webhook headers and writes nothing", async () => {
    const signed = webhookRequest({ topic: "app/uninstalled", shop: SHOP_A, body: fixtureBody("app/uninstalled") });
    const headers = new Headers(signed.headers);
    headers.delete("X-Shopify-Shop-Domain");
    headers.delete("X-Shopify-Topic");
    const before = await snapshot();
    const response = await deliver(new Request(signed.url, { method: "POST", headers, body: fixtureBody("app/uninstalled") }));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await snapshot()).toEqual(before);
  });
});
