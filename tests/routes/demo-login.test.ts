import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { callRoute, cookieFrom, isResponse } from "../helpers/remix";

// The app reads its environment once, at import: switch demo mode on before importing it.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { seedDemoShop, DEMO_SHOP_DOMAIN } = await import("../../app/demo/seed.server");
const { ensureShop } = await import("../../app/models/shop.server");
const demoLogin = await import("../../app/routes/demo.login");
const home = await import("../../app/routes/app._index");
const layout = await import("../../app/routes/app");

const BASE = "http://127.0.0.1:3000";
const REAL_SHOP = "real-shop.myshopify.com";

function loginRequest(shop: string) {
  return new Request(`${BASE}/demo/login`, { method: "POST", body: new URLSearchParams({ shop }) });
}

async function logIn(): Promise<string> {
  const response = await callRoute(demoLogin.action, loginRequest(DEMO_SHOP_DOMAIN));
  if (!isResponse(response)) throw new Error(`login failed: ${JSON.stringify(response)}`);
  return cookieFrom(response);
}

describe("demo login", () => {
  beforeAll(async () => {
    await seedDemoShop(db, { customers: 30, now: new Date("2026-11-24T12:00:00Z") });
    await ensureShop(db, REAL_SHOP);
  });

  afterEach(() => {
    process.env.NODE_ENV = "test";
  });

  it("lists only demo shops", async () => {
    const data = await callRoute(demoLogin.loader, new Request(`${BASE}/demo/login`));
    expect(isResponse(data)).toBe(false);
    expect(data).toMatchObject({ shops: [{ domain: DEMO_SHOP_DOMAIN, name: "Northwind Outfitters" }] });
  });

  it("logs in to the demo shop and the dashboard renders its seeded data", async () => {
    const response = await callRoute(demoLogin.action, loginRequest(DEMO_SHOP_DOMAIN));
    expect(isResponse(response) && response.status).toBe(302);
    expect((response as Response).headers.get("Location")).toBe("/app");
    const cookie = cookieFrom(response as Response);
    expect(cookie).toMatch(/^__demo_session=/);

    const request = new Request(`${BASE}/app`, { headers: { Cookie: cookie } });
    expect(await callRoute(layout.loader, request)).toMatchObject({ mode: "demo", shopName: "Northwind Outfitters" });
    const summary = await callRoute(home.loader, request);
    expect(isResponse(summary)).toBe(false);
    const profiles = await db.profile.count({ where: { shop: { domain: DEMO_SHOP_DOMAIN } } });
    expect(summary).toMatchObject({ shopName: "Northwind Outfitters", profiles });
    expect((summary as { storeRevenue: string }).storeRevenue).toMatch(/^\$[\d,]+\.\d\d$/);
  });

  it("refuses a shop that is not a demo shop, and odd input, without a cookie", async () => {
    for (const shop of [REAL_SHOP, "x".repeat(10_000), "", "nope.myshopify.com"]) {
      const result = await callRoute(demoLogin.action, loginRequest(shop));
      expect(isResponse(result)).toBe(false);
      expect(result).toMatchObject({ error: expect.any(String) });
    }
  });

  it("sends a visitor without a valid cookie to the login", async () => {
    const cookie = await logIn();
    const tampered = cookie.slice(0, -3) + (cookie.endsWith("abc") ? "xyz" : "abc");
    const attempts: Record<string, string>[] = [{}, { Cookie: tampered }, { Cookie: "__demo_session=forged" }];
    for (const headers of attempts) {
      const response = await callRoute(home.loader, new Request(`${BASE}/app`, { headers }));
      expect(isResponse(response) && response.status).toBe(302);
      expect((response as Response).headers.get("Location")).toBe("/demo/login");
    }
  });

  it("does not exist when the process runs under NODE_ENV=production", async () => {
    const cookie = await logIn();
    process.env.NODE_ENV = "production";
    const page = await callRoute(demoLogin.loader, new Request(`${BASE}/demo/login`));
    expect(isResponse(page) && page.status).toBe(404);
    const login = await callRoute(demoLogin.action, loginRequest(DEMO_SHOP_DOMAIN));
    expect(isResponse(login) && login.status).toBe(404);
    // The demo cookie no longer opens the dashboard: Shopify authentication takes over and sends it away.
    const dashboard = await callRoute(home.loader, new Request(`${BASE}/app`, { headers: { Cookie: cookie } }));
    expect(isResponse(dashboard)).toBe(true);
    expect((dashboard as Response).status).not.toBe(200);
  });
});
