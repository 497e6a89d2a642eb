// The Lead scoring page through its route, as the demo login reaches it: the rules and the hand-off saved for the
// session's shop only; malformed, oversized, unauthenticated and cross-shop requests refused with nothing written.
import { createCookieSessionStorage } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SCORING, type ScoringConfig } from "../../app/domain/scoring/rules";
import { callRoute, demoLoginCookie, isResponse, renderRoute } from "../helpers/remix";

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const scoring = await import("../../app/routes/app.scoring");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "scoring-a-demo.myshopify.com";
const SHOP_B = "scoring-b-demo.myshopify.com";

type Json = { ok: boolean; section?: string | null; message?: string; errors?: Record<string, string> };

async function post(cookie: string | null, body: string | URLSearchParams, headers: Record<string, string> = {}) {
  const all: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", ...headers };
  if (cookie) all.Cookie = cookie;
  const result = await callRoute(scoring.action, new Request(`${BASE}/app/scoring`, { method: "POST", headers: all, body: String(body) }));
  if (!isResponse(result)) throw new Error("the scoring action answers with a Response");
  return result;
}
const rulesForm = (config: unknown) => new URLSearchParams({ intent: "rules", config: typeof config === "string" ? config : JSON.stringify(config) });
const handoffForm = (salesReadyTag: string, crmWebhookUrl: string) => new URLSearchParams({ intent: "handoff", salesReadyTag, crmWebhookUrl });

/** What the page could write, for every shop. */
const snapshot = () => db.shopSettings.findMany({ orderBy: { shopId: "asc" }, select: { shopId: true, leadScoring: true, salesReadyTag: true, crmWebhookUrl: true, updatedAt: true } });

describe("the Lead scoring route", () => {
  let cookieA = "";
  let shopA = "";
  let shopB = "";

  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B]) await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
    shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
    shopB = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_B } })).id;
    cookieA = await demoLoginCookie(SHOP_A, BASE);
  });

  it("shows the default rules and no hand-off until the merchant saves their own, and renders them", async () => {
    const data = await callRoute(scoring.loader, new Request(`${BASE}/app/scoring`, { headers: { Cookie: cookieA } }));
    if (isResponse(data)) throw new Error(`loader answered ${data.status}`);
    expect(data.config).toEqual(DEFAULT_SCORING);
    expect(data.handoff).toEqual({ salesReadyTag: "", crmWebhookUrl: "" });
    expect(data.events).toContain("Added to Cart");
    expect(data.events).not.toContain("Became Sales-Ready");
    const html = await renderRoute(scoring.default, data);
    expect(html).toContain("Lead scoring");
    expect(html).toContain("Points per event");
    expect(html).toContain("Started Checkout");
  });

  it("saves valid rules for the session's shop only, whatever shop the form names", async () => {
    const before = await snapshot();
    const config: ScoringConfig = {
      ...DEFAULT_SCORING,
      threshold: 30,
      halfLifeDays: 7,
      eventRules: [{ id: "big_cart", event: "Added to Cart", where: [{ path: "price", op: "gte", value: 100 }], points: 6, cap: 12 }],
      propertyRules: [{ id: "repeat", filter: { path: "ordersCount", op: "gte", value: 3 }, points: 10 }],
    };
    const form = rulesForm(config);
    for (const [key, value] of [["shopId", shopB], ["shop", SHOP_B]]) form.append(key, value);
    const response = await post(cookieA, form);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, section: "rules" });
    const after = await snapshot();
    expect(after.find((s) => s.shopId === shopA)?.leadScoring).toEqual(config);
    expect(after.find((s) => s.shopId === shopB)).toEqual(before.find((s) => s.shopId === shopB));
    const data = await callRoute(scoring.loader, new Request(`${BASE}/app/scoring`, { headers: { Cookie: cookieA } }));
    expect(!isResponse(data) && data.config).toEqual(config);
  });

  it("saves the hand-off, and clears it with empty fields", async () => {
    let response = await post(cookieA, handoffForm(" sales-ready ", " https://crm.example.com/hooks/leads?x=1 "));
    expect(response.status).toBe(200);
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shopId: shopA } })).toMatchObject({ salesReadyTag: "sales-ready", crmWebhookUrl: "https://crm.example.com/hooks/leads?x=1" });
    response = await post(cookieA, handoffForm("", ""));
    expect(response.status).toBe(200);
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shopId: shopA } })).toMatchObject({ salesReadyTag: null, crmWebhookUrl: null });
  });

  it.each([
    ["not JSON", "{rules", "config"],
    ["a threshold of 0", { ...DEFAULT_SCORING, threshold: 0 }, "threshold"],
    ["a threshold above the maximum score", { ...DEFAULT_SCORING, threshold: 500 }, "threshold"],
    ["a half-life of 0 days", { ...DEFAULT_SCORING, halfLifeDays: 0 }, "halfLifeDays"],
    ["an unknown event", { ...DEFAULT_SCORING, eventRules: [{ id: "x", event: "Danced", points: 1 }] }, "eventRules.0.event"],
    ["scoring the crossing itself", { ...DEFAULT_SCORING, eventRules: [{ id: "x", event: "Became Sales-Ready", points: 1 }] }, "eventRules.0.event"],
    ["fractional points", { ...DEFAULT_SCORING, eventRules: [{ id: "x", event: "Added to Cart", points: 0.5 }] }, "eventRules.0.points"],
    ["huge points", { ...DEFAULT_SCORING, eventRules: [{ id: "x", event: "Added to Cart", points: 1e9 }] }, "eventRules.0.points"],
    ["a malformed filter", { ...DEFAULT_SCORING, eventRules: [{ id: "x", event: "Added to Cart", points: 1, where: [{ path: "a b", op: "eq", value: 1 }] }] }, "eventRules.0.where.0.path"],
    ["duplicate rule ids", { ...DEFAULT_SCORING, eventRules: [DEFAULT_SCORING.eventRules[0], DEFAULT_SCORING.eventRules[0]] }, "eventRules"],
    ["an unknown field", { ...DEFAULT_SCORING, bonus: 5 }, ""],
    ["too many rules", { ...DEFAULT_SCORING, eventRules: Array.from({ length: 51 }, (_, i) => ({ id: `r${i}`, event: "Added to Cart", points: 1 })) }, "eventRules"],
  ])("refuses %s with 400 and writes nothing", async (_label, config, path) => {
    const before = await snapshot();
    const response = await post(cookieA, rulesForm(config));
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ ok: false, section: "rules" });
    expect(Object.keys(body.errors ?? {})).toEqual([path || "config"]);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["a tag with a comma", "sales,ready", "", "salesReadyTag"],
    ["an overlong tag", "x".repeat(41), "", "salesReadyTag"],
    ["a tag with a line break", "sales\nready", "", "salesReadyTag"],
    ["plain http", "", "http://crm.example.com/hook", "crmWebhookUrl"],
    ["not a URL", "", "crm.example.com/hook", "crmWebhookUrl"],
    ["credentials in the URL", "", "https://user:pw@crm.example.com/hook", "crmWebhookUrl"],
    ["a private address", "", "https://10.0.0.8/hook", "crmWebhookUrl"],
    ["a loopback address", "", "https://127.0.0.1/hook", "crmWebhookUrl"],
    ["an IPv6 loopback", "", "https://[::1]/hook", "crmWebhookUrl"],
    ["localhost", "", "https://localhost/hook", "crmWebhookUrl"],
    ["a cloud metadata address", "", "https://169.254.169.254/latest", "crmWebhookUrl"],
    ["an overlong URL", "", `https://crm.example.com/${"a".repeat(2100)}`, "crmWebhookUrl"],
  ])("refuses a hand-off with %s", async (_label, tag, url, field) => {
    const before = await snapshot();
    const response = await post(cookieA, handoffForm(tag, url));
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(Object.keys(body.errors ?? {})).toEqual([field]);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses malformed forms with 400 and oversized bodies with 413, writing nothing", async () => {
    const before = await snapshot();
    const valid = rulesForm(DEFAULT_SCORING);
    for (const [body, type] of [
      ["", undefined],
      ["%%%&&&==", undefined],
      ["intent=everything", undefined],
      [`${valid}&intent=handoff`, undefined],
      [`${valid}&config=${encodeURIComponent(JSON.stringify(DEFAULT_SCORING))}`, undefined],
      ["intent=handoff&salesReadyTag=x", undefined],
      [JSON.stringify({ intent: "rules", config: DEFAULT_SCORING }), "application/json"],
    ] as const) {
      const response = await post(cookieA, body, type ? { "Content-Type": type } : {});
      expect([body.slice(0, 40), response.status]).toEqual([body.slice(0, 40), 400]);
    }
    // A config past 32 KiB inside a body under the 64 KiB limit: refused by the form's own limit.
    const padded = { ...DEFAULT_SCORING, eventRules: [{ ...DEFAULT_SCORING.eventRules[0], where: [{ path: "note", op: "eq", value: "x".repeat(33 * 1024) }] }] };
    expect((await post(cookieA, rulesForm(padded))).status).toBe(400);
    expect((await post(cookieA, `${valid}&pad=${"x".repeat(70 * 1024)}`)).status).toBe(413);
    expect((await post(cookieA, valid, { "Content-Length": String(1 << 20) })).status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it("sends requests without a valid session to the login and writes nothing", async () => {
    const before = await snapshot();
    expect((await post(null, rulesForm(DEFAULT_SCORING))).status).toBe(302);
    const forger = createCookieSessionStorage({ cookie: { name: "__demo_session", secrets: ["not-the-secret-not-the-secret-not-the"] } });
    const session = await forger.getSession();
    session.set("shopDomain", SHOP_B);
    const forged = (await forger.commitSession(session)).split(";")[0];
    const response = await post(forged, handoffForm("stolen", "https://evil.example.com/"));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/demo/login");
    const loader = await callRoute(scoring.loader, new Request(`${BASE}/app/scoring`, { headers: { Cookie: forged } }));
    expect((loader as Response).status).toBe(302);
    expect(await snapshot()).toEqual(before);
  });
});
