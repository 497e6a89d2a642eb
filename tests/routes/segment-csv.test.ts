import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, demoLoginCookie, isResponse } from "../helpers/remix";

// CSV out of a segment and customers in from CSV, as the demo login reaches them: streamed export, import through
// identity resolution with consent kept, every bad row reported and nothing stored, one shop never touching another.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const exportRoute = await import("../../app/routes/app.segments.$segmentId_.export");
const importRoute = await import("../../app/routes/app.customers.import");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "csv-a-demo.myshopify.com";
const SHOP_B = "csv-b-demo.myshopify.com";

async function exportCsv(cookie: string | null, segmentId: string) {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  return (await callRoute(exportRoute.loader, new Request(`${BASE}/app/segments/${segmentId}/export`, { headers }), { segmentId })) as Response;
}

async function importCsv(cookie: string | null, csv: string | null, init: { body?: BodyInit; contentType?: string } = {}) {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  if (init.contentType) headers["Content-Type"] = init.contentType;
  let body = init.body;
  if (csv !== null) {
    const form = new FormData();
    form.set("file", new File([csv], "customers.csv", { type: "text/csv" }));
    body = form;
  }
  const result = await callRoute(importRoute.action, new Request(`${BASE}/app/customers/import`, { method: "POST", headers, body }));
  if (!isResponse(result)) throw new Error("the import action answers with a Response");
  return result;
}

const profilesOf = (shopId: string) =>
  db.profile.findMany({ where: { shopId }, orderBy: { id: "asc" }, include: { identities: { select: { kind: true, value: true } } } });

describe("segment export and customer import", () => {
  let cookieA = "";
  let shopA = "";
  let shopB = "";
  let segmentA = "";
  let segmentB = "";

  beforeAll(async () => {
    shopA = (await db.shop.create({ data: { domain: SHOP_A, name: "A", isDemo: true, settings: { create: {} } } })).id;
    shopB = (await db.shop.create({ data: { domain: SHOP_B, name: "B", isDemo: true, settings: { create: {} } } })).id;
    const known = [
      // Known to shop A already, with a consent newer than the file's: the import must not undo it.
      { shopId: shopA, email: "olivia@example.com", firstName: "Liv", emailConsent: "unsubscribed", emailConsentAt: new Date("2026-01-10T00:00:00Z"), emailConsentSource: "shopify" },
      // The same address in shop B: another shop's customer, never touched by A's import.
      { shopId: shopB, email: "olivia@example.com", firstName: "Olivia B", emailConsent: "subscribed", emailConsentAt: new Date("2020-01-01T00:00:00Z"), emailConsentSource: "shopify" },
    ];
    for (const p of known) {
      await db.profile.create({ data: { ...p, identities: { create: [{ shopId: p.shopId, kind: "email", value: p.email }] } } });
    }
    await db.profile.create({ data: { shopId: shopA, email: "=cmd@example.com", firstName: "=HYPERLINK(\"http://evil\")", ordersCount: 2, revenueMinor: 12345n, currency: "USD" } });
    segmentA = (await db.segment.create({ data: { shopId: shopA, name: "Everyone / all", conditions: { kind: "all", of: [] } } })).id;
    segmentB = (await db.segment.create({ data: { shopId: shopB, name: "B", conditions: { kind: "all", of: [] } } })).id;
    cookieA = await demoLoginCookie(SHOP_A);
  });

  it("imports customers through identity resolution, keeping consent with its date and source", async () => {
    const csv = [
      "Email,First Name,Last Name,Phone,Email Consent,Email Consent At,Birthday,Gender",
      "OLIVIA@example.com,Olivia,Smith,+49 151 1234,subscribed,2025-06-01T10:00:00Z,1990-04-02,female",
      "liam@example.com,Liam,,,yes,2025-07-01,1985-12-24,male",
      "\"noah@example.com\",\"Noah, Jr.\",Lee,,,,,",
    ].join("\r\n");
    const reply = await importCsv(cookieA, csv);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ ok: true, created: 2, updated: 1 });

    const profiles = await profilesOf(shopA);
    const olivia = profiles.filter((p) => p.email === "olivia@example.com");
    expect(olivia).toHaveLength(1); // matched, not duplicated
    expect(olivia[0]).toMatchObject({ firstName: "Olivia", lastName: "Smith", phone: "+491511234", emailConsent: "unsubscribed", emailConsentSource: "shopify" });
    expect(olivia[0].properties).toEqual({ birthday: "1990-04-02", gender: "female" });
    const liam = profiles.find((p) => p.email === "liam@example.com")!;
    expect(liam).toMatchObject({ firstName: "Liam", emailConsent: "subscribed", emailConsentAt: new Date("2025-07-01T00:00:00Z"), emailConsentSource: "csv import" });
    expect(liam.identities).toEqual([{ kind: "email", value: "liam@example.com" }]);
    expect(profiles.find((p) => p.email === "noah@example.com")).toMatchObject({ firstName: "Noah, Jr.", emailConsent: "unknown", properties: null });

    const b = await profilesOf(shopB);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ firstName: "Olivia B", emailConsent: "subscribed", properties: null });

    // The same file again: everyone is matched, nobody duplicated.
    const again = await importCsv(cookieA, csv);
    expect(await again.json()).toEqual({ ok: true, created: 0, updated: 3 });
    expect((await profilesOf(shopA)).length).toBe(profiles.length);
  });

  it("reports every bad row and stores nothing", async () => {
    const before = await profilesOf(shopA);
    const csv = [
      "email,email_consent,email_consent_at,gender",
      "good@example.com,subscribed,2025-01-01,female",
      "not-an-email,subscribed,,",
      "late@example.com,subscribed,2999-01-01,",
      "good@example.com,maybe,,",
      ",,,",
    ].join("\n");
    const reply = await importCsv(cookieA, csv);
    expect(reply.status).toBe(400);
    const body = await reply.json();
    expect(body.error).toBe("4 of 5 rows have problems; nothing was imported");
    expect(body.rowErrors).toEqual([
      { line: 3, errors: ["“not-an-email” is not an email address"] },
      { line: 4, errors: ["consent date 2999-01-01 is in the future"] },
      { line: 5, errors: [expect.stringContaining("email consent “maybe”"), "good@example.com is already on line 2"] },
      { line: 6, errors: ["email is missing"] },
    ]);
    expect(await profilesOf(shopA)).toEqual(before);
  });

  it("refuses malformed, oversized and wrongly sent files with a clear error", async () => {
    const before = await profilesOf(shopA);
    const cases: Array<[Response, number, string]> = [
      [await importCsv(cookieA, 'email,name\n"unterminated@example.com,x\n'), 400, "not valid CSV"],
      [await importCsv(cookieA, "email,name\na@example.com,x,extra\n"), 400, "not valid CSV"],
      [await importCsv(cookieA, "name,phone\nAnn,+1555\n"), 400, "needs an email column"],
      [await importCsv(cookieA, "email,1st\na@example.com,x\n"), 400, "cannot be a property name"],
      [await importCsv(cookieA, ""), 400, "empty"],
      [await importCsv(cookieA, "email\n" + "a@example.com\n".repeat(200_000)), 413, "larger than"],
      [await importCsv(cookieA, "email\n" + Array.from({ length: 5_001 }, (_, i) => `p${i}@example.com`).join("\n")), 400, "more than 5000"],
      [await importCsv(cookieA, null, { body: "email\na@example.com", contentType: "text/csv" }), 400, "form upload"],
      [await importCsv(cookieA, null, { body: new URLSearchParams({ file: "email\na@example.com" }), contentType: "application/x-www-form-urlencoded" }), 400, "Choose a CSV file"],
    ];
    for (const [reply, status, message] of cases) {
      expect(reply.status).toBe(status);
      expect((await reply.json()).error).toContain(message);
    }
    expect(await profilesOf(shopA)).toEqual(before);
  });

  it("exports a segment's members as CSV, guarded against spreadsheet formulas", async () => {
    const reply = await exportCsv(cookieA, segmentA);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(reply.headers.get("Content-Disposition")).toMatch(/^attachment; filename="Everyone-all-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows: Array<Record<string, string>> = parse(await reply.text(), { columns: true });
    const emails = rows.map((r) => r.email).sort();
    expect(emails).toEqual(["'=cmd@example.com", "liam@example.com", "noah@example.com", "olivia@example.com"]);
    const evil = rows.find((r) => r.email === "'=cmd@example.com")!;
    expect(evil).toMatchObject({ first_name: "'=HYPERLINK(\"http://evil\")", orders: "2", revenue: "123.45", currency: "USD" });
    expect(rows.find((r) => r.email === "liam@example.com")).toMatchObject({ email_consent: "subscribed", email_consent_at: "2025-07-01T00:00:00.000Z", email_consent_source: "csv import", properties: '{"birthday":"1985-12-24","gender":"male"}' });
  });

  it("exports in pages: a large segment comes out whole, once each", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopB } });
    await db.profile.createMany({ data: Array.from({ length: 1_234 }, (_, i) => ({ shopId: shop.id, email: `bulk${i}@example.com` })) });
    const cookieB = await demoLoginCookie(SHOP_B);
    const rows: Array<Record<string, string>> = parse(await (await exportCsv(cookieB, segmentB)).text(), { columns: true });
    expect(rows).toHaveLength(1_235);
    expect(new Set(rows.map((r) => r.email)).size).toBe(1_235);
  });

  it("never exports another shop's segment, nor anything without a login", async () => {
    const cross = await exportCsv(cookieA, segmentB);
    expect(cross.status).toBe(404);
    const anonymous = await exportCsv(null, segmentA);
    expect(anonymous.status).toBe(302);
    const before = await profilesOf(shopA);
    const anonymousImport = await importCsv(null, "email\nsneaky@example.com\n");
    expect(anonymousImport.status).toBe(302);
    expect(await profilesOf(shopA)).toEqual(before);
  });
});
