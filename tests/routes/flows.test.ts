import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, cookieFrom, isResponse } from "../helpers/remix";

// The merchant's switch for each flow, through the route, as the demo login (or Shopify's session token) reaches it.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { ensurePresetFlows } = await import("../../app/models/flows.server");
const demoLogin = await import("../../app/routes/demo.login");
const flows = await import("../../app/routes/app.flows._index");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "flows-a-demo.myshopify.com";
const SHOP_B = "flows-b-demo.myshopify.com";

async function post(cookie: string | null, body: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  const result = await callRoute(flows.action, new Request(`${BASE}/app/flows`, { method: "POST", headers, body }));
  if (!isResponse(result)) throw new Error("the flows action answers with a Response");
  return result;
}

const form = (flowId: string, intent: string) => new URLSearchParams({ flowId, intent }).toString();

describe("switching flows on and off", () => {
  let cookieA = "";
  let welcomeA = "";
  let welcomeB = "";

  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B]) {
      const shop = await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
      await ensurePresetFlows(db, shop.id);
    }
    welcomeA = (await db.flow.findFirstOrThrow({ where: { shop: { domain: SHOP_A }, preset: "welcome" } })).id;
    welcomeB = (await db.flow.findFirstOrThrow({ where: { shop: { domain: SHOP_B }, preset: "welcome" } })).id;
    const login = await callRoute(
      demoLogin.action,
      new Request(`${BASE}/demo/login`, { method: "POST", body: new URLSearchParams({ shop: SHOP_A }) }),
    );
    cookieA = cookieFrom(login as Response);
  });

  it("turns a preset on with its definition as version 1, and off again", async () => {
    const on = await post(cookieA, form(welcomeA, "on"));
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ flowId: welcomeA, status: "live" });
    const flow = await db.flow.findUniqueOrThrow({ where: { id: welcomeA }, include: { versions: true } });
    expect(flow.versions.map((v) => v.version)).toEqual([1]);
    expect(flow.currentVersionId).toBe(flow.versions[0].id);

    expect(await (await post(cookieA, form(welcomeA, "off"))).json()).toEqual({ flowId: welcomeA, status: "paused" });
    expect(await (await post(cookieA, form(welcomeA, "on"))).json()).toMatchObject({ status: "live" });
    expect(await db.flowVersion.count({ where: { flowId: welcomeA } })).toBe(1); // same definition: same version
  });

  it("lists each flow with its rationale", async () => {
    const data = await callRoute(flows.loader, new Request(`${BASE}/app/flows`, { headers: { Cookie: cookieA } }));
    expect(isResponse(data)).toBe(false);
    const list = (data as { flows: Array<{ name: string; rationale: string | null }> }).flows;
    expect(list).toHaveLength(6);
    expect(list.every((f) => (f.rationale ?? "").length > 40)).toBe(true);
  });

  it("cannot touch another shop's flow", async () => {
    const response = await post(cookieA, form(welcomeB, "on"));
    expect(response.status).toBe(404);
    expect((await db.flow.findUniqueOrThrow({ where: { id: welcomeB } })).status).toBe("draft");
  });

  it("refuses malformed and oversized input without changing anything", async () => {
    const before = await db.flow.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true } });
    expect((await post(cookieA, form(welcomeA, "explode"))).status).toBe(400);
    expect((await post(cookieA, "flowId=&intent=on")).status).toBe(400);
    expect((await post(cookieA, form("x".repeat(500), "on"))).status).toBe(400);
    expect((await post(cookieA, form(welcomeA, "on") + "&pad=" + "x".repeat(10_000))).status).toBe(413);
    expect((await post(cookieA, form("no-such-flow", "on"))).status).toBe(404);
    expect(await db.flow.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true } })).toEqual(before);
  });

  it("sends an unauthenticated request to the login and changes nothing", async () => {
    const response = await post(null, form(welcomeB, "on"));
    expect(response.status).toBe(302);
    expect((await db.flow.findUniqueOrThrow({ where: { id: welcomeB } })).status).toBe("draft");
  });
});
