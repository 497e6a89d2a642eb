import { createCookieSessionStorage } from "@remix-run/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { settingsFormValues, type AllSettings, type SettingsSection } from "../../app/domain/settings";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { callRoute, demoLoginCookie, isResponse } from "../helpers/remix";

// The merchant's Settings page, through the route as the demo login reaches it, and the model on both databases.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const settings = await import("../../app/routes/app.settings");
const { loadSettings, updateSettingsSection } = await import("../../app/models/shop-settings.server");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "settings-a-demo.myshopify.com";
const SHOP_B = "settings-b-demo.myshopify.com";

type Json = Record<string, unknown> & { errors?: Record<string, string> };

async function post(cookie: string | null, body: string | URLSearchParams, contentType = "application/x-www-form-urlencoded") {
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (cookie) headers.Cookie = cookie;
  const result = await callRoute(settings.action, new Request(`${BASE}/app/settings`, { method: "POST", headers, body: String(body) }));
  if (!isResponse(result)) throw new Error("the settings action answers with a Response");
  return result;
}

const login = (domain: string) => demoLoginCookie(domain, BASE);

/** Everything Settings could write, for every shop: compared before and after a request that must change nothing. */
const snapshot = async () => ({
  settings: await db.shopSettings.findMany({ orderBy: { shopId: "asc" } }),
  shops: await db.shop.findMany({ orderBy: { id: "asc" }, select: { id: true, timezone: true, updatedAt: true } }),
});

/** A section's form as the page would send it, starting from the shop's stored settings. */
async function formFor(shopId: string, section: SettingsSection, changes: Record<string, string> = {}) {
  const stored = await loadSettings(db, shopId);
  if (!stored) throw new Error("no such shop");
  return new URLSearchParams({ intent: section, ...settingsFormValues(stored)[section], ...changes });
}

describe("the Settings route", () => {
  let cookieA = "";
  let shopA = "";
  let shopB = "";

  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B]) {
      await db.shop.create({ data: { domain, name: domain, isDemo: true, timezone: "America/New_York", settings: { create: {} } } });
    }
    shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
    shopB = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_B } })).id;
    cookieA = await login(SHOP_A);
  });

  it("shows the stored settings as forms, with the postal address banner while it is empty", async () => {
    const data = await callRoute(settings.loader, new Request(`${BASE}/app/settings`, { headers: { Cookie: cookieA } }));
    if (isResponse(data)) throw new Error(`loader answered ${data.status}`);
    expect(data.form.sending).toEqual({ smartSendingHours: "16", quietHoursStart: "21:00", quietHoursEnd: "08:00", timezone: "America/New_York", holdoutPercent: "0" });
    expect(data.form.attribution).toMatchObject({ clickWindow: "5", clickWindowUnit: "days", excludeMachineOpens: "true" });
    expect(data.quietHours).toContain("21:00–08:00 shop time");
    expect(data.postalAddressMissing).toBe(true);
    expect(data.timezones).toContain("America/New_York");
    expect(data.timezones).toContain("UTC");
  });

  it("saves sender and brand, returns the stored values, and leaves the other sections and shops alone", async () => {
    const before = await snapshot();
    const form = await formFor(shopA, "sender", {
      senderName: " Northwind ",
      senderEmail: "hello@northwind.example",
      replyToEmail: "care@northwind.example",
      logoUrl: "https://cdn.example.com/logo.png",
      brandColor: "#0A7F5C",
      postalAddress: "1 Harbour Street\r\nPortland, OR 97201",
    });
    const response = await post(cookieA, form);
    expect(response.status).toBe(200);
    const values = {
      senderName: "Northwind",
      senderEmail: "hello@northwind.example",
      replyToEmail: "care@northwind.example",
      logoUrl: "https://cdn.example.com/logo.png",
      brandColor: "#0a7f5c",
      postalAddress: "1 Harbour Street\nPortland, OR 97201",
    };
    expect(await response.json()).toEqual({ ok: true, section: "sender", values, changed: Object.keys(values) });

    const rowA = await db.shopSettings.findUniqueOrThrow({ where: { shopId: shopA } });
    const beforeA = before.settings.find((s) => s.shopId === shopA);
    expect(rowA).toMatchObject(values);
    const { senderName, senderEmail, replyToEmail, logoUrl, brandColor, postalAddress, updatedAt, ...untouched } = rowA;
    expect(beforeA).toMatchObject(untouched);
    const after = await snapshot();
    expect(after.settings.find((s) => s.shopId === shopB)).toEqual(before.settings.find((s) => s.shopId === shopB));
    expect(after.shops).toEqual(before.shops);

    const data = await callRoute(settings.loader, new Request(`${BASE}/app/settings`, { headers: { Cookie: cookieA } }));
    expect(data).toMatchObject({ postalAddressMissing: false, form: { sender: { brandColor: "#0a7f5c" } } });
  });

  it("saves sending, timezone included, on this shop only", async () => {
    const before = await snapshot();
    const form = await formFor(shopA, "sending", { smartSendingHours: "24", quietHoursStart: "22:30", quietHoursEnd: "07:00", timezone: "Europe/Berlin", holdoutPercent: "10" });
    const response = await post(cookieA, form);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      section: "sending",
      values: { smartSendingHours: 24, quietHoursStartMin: 1350, quietHoursEndMin: 420, timezone: "Europe/Berlin", holdoutPercent: 10 },
      changed: ["smartSendingHours", "quietHoursStartMin", "quietHoursEndMin", "timezone", "holdoutPercent"],
    });
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopA } })).timezone).toBe("Europe/Berlin");
    const after = await snapshot();
    expect(after.shops.find((s) => s.id === shopB)).toEqual(before.shops.find((s) => s.id === shopB));
    expect(after.settings.find((s) => s.shopId === shopB)).toEqual(before.settings.find((s) => s.shopId === shopB));
    const rowA = after.settings.find((s) => s.shopId === shopA);
    expect(rowA).toMatchObject({ senderEmail: "hello@northwind.example", clickWindowHours: 120, quietHoursStartMin: 1350 });
  });

  it("saves attribution and reports the changed windows, so history can be recomputed", async () => {
    const form = await formFor(shopA, "attribution", { attributionRule: "click_only", clickWindow: "36", clickWindowUnit: "hours", excludeMachineOpens: "false" });
    const response = await post(cookieA, form);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      values: { attributionRule: "click_only", clickWindowHours: 36, openWindowHours: 120, excludeMachineOpens: false },
      changed: ["attributionRule", "clickWindowHours", "excludeMachineOpens"],
    });
    // History is credited again under the new rule, in the background, with its progress on the page.
    const job = await db.attributionRecompute.findUniqueOrThrow({ where: { shopId: shopA } });
    expect(job).toMatchObject({ status: "pending", rule: "click_only:36h", done: 0 });
    expect(await db.attributionRecompute.findUnique({ where: { shopId: shopB } })).toBeNull();
    const page = await callRoute(settings.loader, new Request(`${BASE}/app/settings`, { headers: { Cookie: cookieA } }));
    if (isResponse(page)) throw new Error(`loader answered ${page.status}`);
    expect(page.recompute).toBe(`Recomputing attribution under the new rule: 0 of ${job.total} orders.`);
    // The same form again changes nothing, says so, and starts no recompute.
    expect(await (await post(cookieA, form)).json()).toMatchObject({ ok: true, changed: [] });
    expect((await db.attributionRecompute.findUniqueOrThrow({ where: { shopId: shopA } })).startedAt).toEqual(job.startedAt);
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shopId: shopA } })).toMatchObject({ clickWindowHours: 36, attributionRule: "click_only" });
  });

  it.each<[SettingsSection, string, Record<string, string>]>([
    ["sender", "senderEmail", { senderEmail: "not-an-address" }],
    ["sender", "logoUrl", { logoUrl: "http://cdn.example.com/logo.png" }],
    ["sender", "brandColor", { brandColor: "#zzz" }],
    ["attribution", "clickWindow", { clickWindow: "0", clickWindowUnit: "hours" }],
    ["attribution", "openWindow", { openWindow: "9999", openWindowUnit: "hours" }],
    ["sending", "smartSendingHours", { smartSendingHours: "9999" }],
    ["sending", "timezone", { timezone: "Mars/Olympus_Mons" }],
    ["sending", "quietHoursStart", { quietHoursStart: "25:00" }],
    ["sending", "holdoutPercent", { holdoutPercent: "51" }],
  ])("refuses an invalid %s form (%s) with 400, the error beside the field, and nothing changed", async (section, field, changes) => {
    const before = await snapshot();
    // A valid change alongside the invalid one: the whole section is refused, not half-saved.
    const extra: Record<string, string> = section === "sender" ? { senderName: "Half saved" } : section === "sending" ? { holdoutPercent: "5" } : { attributionRule: "click_then_open" };
    const response = await post(cookieA, await formFor(shopA, section, { ...extra, ...changes }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ ok: false, section });
    expect(Object.keys(body.errors ?? {})).toEqual([field]);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an oversized body with 413 and writes nothing", async () => {
    const before = await snapshot();
    const form = await formFor(shopA, "sender", { senderName: "Too big" });
    const response = await post(cookieA, `${form}&pad=${"x".repeat(70 * 1024)}`);
    expect(response.status).toBe(413);
    // Declared too large: refused before reading.
    const declared = await callRoute(
      settings.action,
      new Request(`${BASE}/app/settings`, { method: "POST", headers: { Cookie: cookieA, "Content-Length": String(1 << 20) }, body: form.toString() }),
    );
    expect((declared as Response).status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses malformed bodies with 400 and writes nothing", async () => {
    const before = await snapshot();
    const valid = await formFor(shopA, "sender", { senderName: "Malformed" });
    const bodies: Array<[string, string?]> = [
      ["", undefined],
      ["%%%&&&==", undefined],
      ["intent=everything", undefined],
      [`${valid}&intent=sending`, undefined],
      ["intent=sender&brandColor=%23000000", undefined],
      [JSON.stringify(Object.fromEntries(valid)), "application/json"],
      ["\u0000\u0001\u0002binary", "application/octet-stream"],
    ];
    for (const [body, type] of bodies) {
      const response = await post(cookieA, body, type);
      expect([body, response.status]).toEqual([body, 400]);
      expect(await response.json()).toMatchObject({ ok: false });
    }
    expect(await snapshot()).toEqual(before);
  });

  it("sends requests without a valid session to the login and writes nothing", async () => {
    const before = await snapshot();
    const form = await formFor(shopB, "sender", { senderName: "Intruder" });
    expect((await post(null, form)).status).toBe(302);
    // A cookie naming shop B, signed with a secret that is not the app's.
    const forger = createCookieSessionStorage({ cookie: { name: "__demo_session", secrets: ["not-the-secret-not-the-secret-not-the"] } });
    const session = await forger.getSession();
    session.set("shopDomain", SHOP_B);
    const forged = (await forger.commitSession(session)).split(";")[0];
    const response = await post(forged, form);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/demo/login");
    const loader = await callRoute(settings.loader, new Request(`${BASE}/app/settings`, { headers: { Cookie: forged } }));
    expect((loader as Response).status).toBe(302);
    expect(await snapshot()).toEqual(before);
  });

  it("writes only the session's shop, whatever shop the form names", async () => {
    const before = await snapshot();
    const form = await formFor(shopA, "attribution", { clickWindow: "2", clickWindowUnit: "days" });
    for (const [key, value] of [["shopId", shopB], ["shop", SHOP_B], ["shopDomain", SHOP_B]]) form.append(key, value);
    const response = await post(cookieA, form);
    expect(response.status).toBe(200);
    const after = await snapshot();
    expect(after.settings.find((s) => s.shopId === shopB)).toEqual(before.settings.find((s) => s.shopId === shopB));
    expect(after.shops.find((s) => s.id === shopB)).toEqual(before.shops.find((s) => s.id === shopB));
    expect(after.settings.find((s) => s.shopId === shopA)?.clickWindowHours).toBe(48);
  });
});

const DEFAULTS: Partial<AllSettings> = { brandColor: "#1a1a1a", clickWindowHours: 120, smartSendingHours: 16, timezone: "UTC" };

describe.each(["sqlite", "postgresql"] as const)("settings model on %s", (provider) => {
  let t: TestDatabase;
  let m: Db;
  let n = 0;
  let shopId = "";
  let otherId = "";

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    m = t.prisma;
  });
  afterAll(() => t?.cleanup());

  beforeEach(async () => {
    n++;
    shopId = (await m.shop.create({ data: { domain: `model-${n}-a.myshopify.com`, name: "A", settings: { create: {} } } })).id;
    otherId = (await m.shop.create({ data: { domain: `model-${n}-b.myshopify.com`, name: "B", settings: { create: {} } } })).id;
  });

  const rows = () => Promise.all([m.shopSettings.findMany({ orderBy: { shopId: "asc" } }), m.shop.findMany({ orderBy: { id: "asc" } })]);

  it("loads defaults, creating the settings row a shop lacks, and nothing for an unknown shop", async () => {
    const bare = await m.shop.create({ data: { domain: `model-${n}-bare.myshopify.com`, name: "Bare" } });
    expect(await loadSettings(m, bare.id)).toMatchObject(DEFAULTS);
    expect(await m.shopSettings.count({ where: { shopId: bare.id } })).toBe(1);
    expect(await loadSettings(m, "no-such-shop")).toBeNull();
    expect(await m.shopSettings.count({ where: { shopId: "no-such-shop" } })).toBe(0);
  });

  it("writes one section of one shop and reports exactly what changed", async () => {
    const [settingsBefore, shopsBefore] = await rows();
    const saved = await updateSettingsSection(m, shopId, {
      section: "sending",
      values: { smartSendingHours: 16, quietHoursStartMin: 0, quietHoursEndMin: 0, timezone: "Asia/Tokyo", holdoutPercent: 20 },
    });
    expect(saved?.changed).toEqual(["quietHoursStartMin", "quietHoursEndMin", "timezone", "holdoutPercent"]);
    const [settingsAfter, shopsAfter] = await rows();
    expect(settingsAfter.find((s) => s.shopId === otherId)).toEqual(settingsBefore.find((s) => s.shopId === otherId));
    expect(shopsAfter.find((s) => s.id === otherId)).toEqual(shopsBefore.find((s) => s.id === otherId));
    expect(shopsAfter.find((s) => s.id === shopId)?.timezone).toBe("Asia/Tokyo");
    expect(await loadSettings(m, shopId)).toMatchObject({ holdoutPercent: 20, quietHoursStartMin: 0, brandColor: "#1a1a1a", clickWindowHours: 120 });

    const window = await updateSettingsSection(m, shopId, {
      section: "attribution",
      values: { attributionRule: "click_then_open", clickWindowHours: 120, openWindowHours: 24, excludeMachineOpens: true },
    });
    expect(window?.changed).toEqual(["openWindowHours"]);
    const again = await updateSettingsSection(m, shopId, { section: "attribution", values: { attributionRule: "click_then_open", clickWindowHours: 120, openWindowHours: 24, excludeMachineOpens: true } });
    expect(again?.changed).toEqual([]);
  });

  it("creates the settings row on save when the shop has none, and refuses an unknown shop", async () => {
    const bare = await m.shop.create({ data: { domain: `model-${n}-nosettings.myshopify.com`, name: "Bare" } });
    const values = { senderName: null, senderEmail: "a@example.com", replyToEmail: null, logoUrl: null, brandColor: "#ffffff", postalAddress: "1 Road" };
    expect(await updateSettingsSection(m, bare.id, { section: "sender", values })).toMatchObject({ section: "sender", values });
    expect(await m.shopSettings.findUniqueOrThrow({ where: { shopId: bare.id } })).toMatchObject({ ...values, clickWindowHours: 120 });

    const [settingsBefore, shopsBefore] = await rows();
    expect(await updateSettingsSection(m, "no-such-shop", { section: "sender", values })).toBeNull();
    expect(await rows()).toEqual([settingsBefore, shopsBefore]);
  });
});
