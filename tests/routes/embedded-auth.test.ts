import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { env } from "../../app/env.server";
import { loader as layoutLoader } from "../../app/routes/app";
import { loader as homeLoader } from "../../app/routes/app._index";
import { sessionStorage } from "../../app/shopify.server";
import { callRoute, isResponse } from "../helpers/remix";

const SHOP = "embedded-shop.myshopify.com";

async function installOfflineSession(shop: string) {
  const session = setUpValidSession({
    shop,
    expires: new Date(Date.now() + 3_600_000),
    scope: env.SCOPES.join(","),
    isOnline: false,
  });
  await sessionStorage.storeSession(session);
}

function adminRequest(path: string, store: string, secret = env.SHOPIFY_API_SECRET) {
  return setUpValidRequest(
    { type: RequestType.Admin, store, apiKey: env.SHOPIFY_API_KEY, apiSecretKey: secret },
    new Request(`${env.SHOPIFY_APP_URL}${path}`),
  );
}

describe("the dashboard inside the Shopify admin", () => {
  it("opens for a request carrying a session token Shopify signed, creating the shop on first sight", async () => {
    await installOfflineSession(SHOP);
    const data = await callRoute(layoutLoader, await adminRequest("/app", SHOP.replace(".myshopify.com", "")));
    expect(isResponse(data)).toBe(false);
    expect(data).toMatchObject({ mode: "embedded", apiKey: env.SHOPIFY_API_KEY });
    const shop = await db.shop.findUniqueOrThrow({ where: { domain: SHOP }, include: { settings: true } });
    expect(shop.settings?.clickWindowHours).toBe(120);
    const home = await callRoute(homeLoader, await adminRequest("/app", SHOP.replace(".myshopify.com", "")));
    expect(home).toMatchObject({ profiles: 0, emailsSent: "0", storeRevenue: "$0.00" });
  });

  it("refuses a session token signed with another secret and creates nothing", async () => {
    const store = "forged-shop";
    await installOfflineSession(`${store}.myshopify.com`);
    const response = await callRoute(layoutLoader, await adminRequest("/app", store, "wrong-secret"));
    expect(isResponse(response)).toBe(true);
    expect([302, 401]).toContain((response as Response).status);
    expect(await db.shop.findUnique({ where: { domain: `${store}.myshopify.com` } })).toBeNull();
  });

  it("refuses a request with no session token", async () => {
    const response = await callRoute(layoutLoader, new Request(`${env.SHOPIFY_APP_URL}/app?shop=${SHOP}`));
    expect(isResponse(response)).toBe(true);
    expect((response as Response).status).not.toBe(200);
  });
});
