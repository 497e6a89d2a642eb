import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, cookieFrom, isResponse } from "../helpers/remix";

// The app reads its environment once, at import: switch demo mode on before importing it.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const demoLogin = await import("../../app/routes/demo.login");
const backfill = await import("../../app/routes/app.backfill");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "backfill-a-demo.myshopify.com";
const SHOP_B = "backfill-b-demo.myshopify.com";

type Data = { jobs: Array<{ kind: string; status: string; percent: number; label: string }>; active: boolean };

async function cookieFor(domain: string) {
  const response = await callRoute(
    demoLogin.action,
    new Request(`${BASE}/demo/login`, { method: "POST", body: new URLSearchParams({ shop: domain }) }),
  );
  return cookieFrom(response as Response);
}

async function load(cookie: string): Promise<Data> {
  const result = await callRoute(backfill.loader, new Request(`${BASE}/app/backfill`, { headers: { Cookie: cookie } }));
  if (isResponse(result)) throw new Error(`unexpected response ${result.status}`);
  return result as Data;
}

describe("history import page", () => {
  beforeAll(async () => {
    const a = await db.shop.create({ data: { domain: SHOP_A, name: "A", isDemo: true, settings: { create: {} } } });
    const b = await db.shop.create({ data: { domain: SHOP_B, name: "B", isDemo: true, settings: { create: {} } } });
    await db.backfillJob.createMany({
      data: [
        { shopId: a.id, kind: "customers", status: "done", linesProcessed: 120, objectCount: 120 },
        { shopId: a.id, kind: "orders", status: "downloading", linesProcessed: 50, objectCount: 200 },
        { shopId: b.id, kind: "orders", status: "failed", error: "Shopify's export failed: ACCESS_DENIED" },
      ],
    });
  });

  it("shows the current shop's jobs with their progress, and only those", async () => {
    const data = await load(await cookieFor(SHOP_A));
    expect(data.active).toBe(true);
    expect(data.jobs.map((j) => [j.kind, j.status, j.percent])).toEqual([
      ["customers", "done", 100],
      ["orders", "downloading", 32],
    ]);
    expect(data.jobs[1].label).toBe("Importing orders and line items: 50 of 200");

    const other = await load(await cookieFor(SHOP_B));
    expect(other.jobs.map((j) => [j.kind, j.status, j.label])).toEqual([
      ["orders", "failed", "Failed: Shopify's export failed: ACCESS_DENIED"],
    ]);
    expect(other.active).toBe(false);
  });

  it("sends an unauthenticated request to the login", async () => {
    const response = await callRoute(backfill.loader, new Request(`${BASE}/app/backfill`));
    expect(isResponse(response) && response.status).toBe(302);
  });
});
