import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, cookieFrom, isResponse } from "../helpers/remix";

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const demoLogin = await import("../../app/routes/demo.login");
const customers = await import("../../app/routes/app.customers._index");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "shop-a-demo.myshopify.com";
const SHOP_B = "shop-b-demo.myshopify.com";

type CustomersData = { total: number; query: string; profiles: Array<{ email: string; name: string }> };

async function cookieFor(domain: string) {
  const response = await callRoute(
    demoLogin.action,
    new Request(`${BASE}/demo/login`, { method: "POST", body: new URLSearchParams({ shop: domain }) }),
  );
  return cookieFrom(response as Response);
}

async function search(cookie: string, q: string): Promise<CustomersData> {
  const url = `${BASE}/app/customers?${new URLSearchParams({ q })}`;
  const result = await callRoute(customers.loader, new Request(url, { headers: { Cookie: cookie } }));
  if (isResponse(result)) throw new Error(`unexpected response ${result.status}`);
  return result as CustomersData;
}

describe("customer search", () => {
  let cookieA = "";

  beforeAll(async () => {
    for (const [domain, people] of [
      [SHOP_A, [["Olivia", "Smith"], ["Liam", "Nakamura"]]],
      [SHOP_B, [["Olivia", "Jones"]]],
    ] as const) {
      const shop = await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
      for (const [firstName, lastName] of people) {
        await db.profile.create({
          data: { shopId: shop.id, firstName, lastName, email: `${firstName}.${lastName}@example.com`.toLowerCase() },
        });
      }
    }
    cookieA = await cookieFor(SHOP_A);
  });

  it("finds by name or email, in any case the merchant types", async () => {
    expect((await search(cookieA, "olivia")).profiles.map((p) => p.email)).toEqual(["olivia.smith@example.com"]);
    expect((await search(cookieA, "Nakamura")).profiles.map((p) => p.name)).toEqual(["Liam Nakamura"]);
    expect((await search(cookieA, "LIAM.NAKAMURA@EXAMPLE.COM")).total).toBe(1);
    expect((await search(cookieA, "")).total).toBe(2);
  });

  it("never shows another shop's customers", async () => {
    const result = await search(cookieA, "jones");
    expect(result.total).toBe(0);
    const everyone = await search(cookieA, "");
    expect(everyone.profiles.every((p) => !p.email.includes("jones"))).toBe(true);
  });

  it("bounds oversized and control-character input instead of failing", async () => {
    const long = await search(cookieA, "o".repeat(50_000));
    expect(long.query.length).toBe(100);
    expect(long.total).toBe(0);
    const control = await search(cookieA, "\u0000oli\u0007via\n");
    expect(control.query).toBe("olivia");
    expect(control.total).toBe(1);
  });

  it("sends an unauthenticated request to the login", async () => {
    const response = await callRoute(customers.loader, new Request(`${BASE}/app/customers?q=olivia`));
    expect(isResponse(response) && response.status).toBe(302);
  });
});
