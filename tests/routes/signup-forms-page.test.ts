import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, demoLoginCookie, isResponse, renderRoute } from "../helpers/remix";

// The Signup forms page: per-form numbers from the daily counters, and the double opt-in settings, per shop.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const page = await import("../../app/routes/app.forms");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "forms-a-demo.myshopify.com";
const SHOP_B = "forms-b-demo.myshopify.com";

async function post(cookie: string | null, body: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  const result = await callRoute(page.action, new Request(`${BASE}/app/forms`, { method: "POST", headers, body }));
  if (!isResponse(result)) throw new Error("the action answers with a Response");
  return result;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("the Signup forms page", () => {
  let cookieA = "";
  let shopA = "";
  let shopB = "";

  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B]) {
      await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
    }
    shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
    shopB = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_B } })).id;
    await db.signupForm.create({ data: { shopId: shopA, formKey: "footer", name: "Footer form", kind: "inline" } });
    await db.signupFormDay.create({ data: { shopId: shopA, formKey: "footer", day: today(), views: 200, submissions: 9, confirmations: 7 } });
    await db.signupForm.create({ data: { shopId: shopB, formKey: "popup", name: "Shop B's secret popup", kind: "popup" } });
    await db.signupFormDay.create({ data: { shopId: shopB, formKey: "popup", day: today(), views: 50, submissions: 5 } });
    cookieA = await demoLoginCookie(SHOP_A, BASE);
  });

  it("shows only the session's shop's forms with views, signups, confirmations and conversion", async () => {
    const data = await callRoute(page.loader, new Request(`${BASE}/app/forms`, { headers: { Cookie: cookieA } }));
    if (isResponse(data)) throw new Error(`loader answered ${data.status}`);
    expect(data.forms).toEqual([expect.objectContaining({ name: "Footer form", kind: "inline", views: 200, submissions: 9, confirmations: 7, conversion: "4.5 %" })]);
    const html = await renderRoute(page.default, data);
    expect(html).toContain("Footer form");
    expect(html).toContain("4.5 %");
    expect(html).not.toContain("secret popup");
  });

  it("saves double opt-in for the session's shop only, and refuses bad input and strangers", async () => {
    expect((await post(cookieA, "requireDoubleOptIn=true&signupConfirmHours=24")).status).toBe(200);
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shopId: shopA } })).toMatchObject({ requireDoubleOptIn: true, signupConfirmHours: 24 });
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shopId: shopB } })).toMatchObject({ requireDoubleOptIn: false, signupConfirmHours: 48 });

    const before = await db.shopSettings.findMany({ orderBy: { shopId: "asc" } });
    for (const body of ["requireDoubleOptIn=true&signupConfirmHours=0", "requireDoubleOptIn=true&signupConfirmHours=9999", "requireDoubleOptIn=maybe&signupConfirmHours=24", "signupConfirmHours=abc", ""]) {
      const response = await post(cookieA, body);
      expect(response.status).toBe(400);
    }
    expect((await post(cookieA, `requireDoubleOptIn=false&signupConfirmHours=24&pad=${"x".repeat(5000)}`)).status).toBe(413);
    // No session: the demo login, not a save.
    const anonymous = await post(null, "requireDoubleOptIn=false&signupConfirmHours=24");
    expect(anonymous.status).toBe(302);
    expect(await db.shopSettings.findMany({ orderBy: { shopId: "asc" } })).toEqual(before);
  });
});
