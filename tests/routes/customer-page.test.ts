// The customer page: one profile of the session's shop, its computed properties and timeline, and for each order
// the email credited with it and why. Another shop's ids, malformed ids and no session get nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, demoLoginCookie, isResponse, renderRoute } from "../helpers/remix";

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const page = await import("../../app/routes/app.customers.$profileId");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "customer-page-a-demo.myshopify.com";
const SHOP_B = "customer-page-b-demo.myshopify.com";
const T = new Date("2026-11-20T12:00:00Z");

const cookieFor = (domain: string) => demoLoginCookie(domain, BASE);

const open = (cookie: string | null, profileId: string) =>
  callRoute(page.loader, new Request(`${BASE}/app/customers/${profileId}`, { headers: cookie ? { Cookie: cookie } : {} }), { profileId });

describe("the customer page", () => {
  let cookieA = "";
  let ann = "";
  let merged = "";
  let otherShopsProfile = "";

  beforeAll(async () => {
    const [a, b] = await Promise.all(
      [SHOP_A, SHOP_B].map((domain) => db.shop.create({ data: { domain, name: domain, isDemo: true, currency: "EUR", settings: { create: {} } } })),
    );
    const profile = await db.profile.create({
      data: {
        shopId: a.id, email: "ann@example.com", firstName: "Ann", lastName: "Lee", emailConsent: "subscribed", emailConsentAt: T,
        emailConsentSource: "shopify", ordersCount: 2, revenueMinor: 12_000n, currency: "EUR", rfmGroup: "loyal", rfmRecency: 3, rfmFrequency: 2, rfmMonetary: 2,
      },
    });
    ann = profile.id;
    merged = (await db.profile.create({ data: { shopId: a.id, email: "ann.old@example.com", mergedIntoId: ann } })).id;
    otherShopsProfile = (await db.profile.create({ data: { shopId: b.id, email: "bob@example.com", firstName: "Bob" } })).id;
    const flow = await db.flow.create({ data: { shopId: a.id, name: "Abandoned checkout", preset: "abandoned_checkout", status: "live" } });
    const message = await db.message.create({
      data: {
        shopId: a.id, profileId: ann, flowId: flow.id, stepId: "checkout_1", idempotencyKey: "run:checkout_1:1:", toEmail: "ann@example.com",
        subject: "You left something behind", status: "sent", sentAt: new Date(T.getTime() - 5 * 3_600_000), firstClickedAt: new Date(T.getTime() - 3 * 3_600_000),
      },
    });
    await db.event.createMany({
      data: [
        { shopId: a.id, profileId: ann, name: "Clicked Email", occurredAt: new Date(T.getTime() - 3 * 3_600_000), properties: { messageId: message.id }, source: "email", sourceId: "c1" },
        { shopId: a.id, profileId: ann, name: "Placed Order", occurredAt: T, properties: { orderId: "5200000000000001" }, valueMinor: 8_000n, currency: "EUR", source: "shopify_webhook", sourceId: "order:5200000000000001:placed" },
        { shopId: b.id, profileId: otherShopsProfile, name: "Placed Order", occurredAt: T, properties: { orderId: "5200000000000009" }, source: "shopify_webhook", sourceId: "order:5200000000000009:placed" },
      ],
    });
    await db.attribution.create({
      data: {
        shopId: a.id, orderId: "5200000000000001", profileId: ann, messageId: message.id, flowId: flow.id, touch: "click",
        touchedAt: new Date(T.getTime() - 3 * 3_600_000), rule: "click_then_open:120h/120h", orderedAt: T, revenueMinor: 8_000n, refundedMinor: 2_000n, currency: "EUR",
      },
    });
    cookieA = await cookieFor(SHOP_A);
  });

  it("shows the profile's computed properties, consent and timeline, with each order's credit explained", async () => {
    const data = await open(cookieA, ann);
    if (isResponse(data)) throw new Error(`loader answered ${data.status}`);
    expect(data).toMatchObject({ title: "Ann Lee", email: "ann@example.com", consent: "subscribed", consentDetail: "since 2026-11-20 (shopify)" });
    const props = Object.fromEntries(data.properties.map((p: { term: string; description: string }) => [p.term, p.description]));
    expect(props).toMatchObject({ Orders: "2", "Revenue (net of refunds)": "€120.00", "Average order value": "€60.00", "RFM group": "loyal (R3 F2 M2)" });
    expect(data.timeline.map((t: { title: string }) => t.title)).toEqual(["Placed Order", "Clicked Email", "Email: You left something behind"]);
    const [order] = data.timeline;
    expect(order.credit).toEqual({
      credited: "€60.00",
      explanation: "Clicked “You left something behind” 3 hours before the order (click window 5 days; rule: last click, else last open).",
    });
    expect(data.timeline[2].detail).toBe("Abandoned checkout · sent · clicked");
  });

  it("shows the lead score as of now and its recent changes once the customer has one", async () => {
    const { updateLeadScore } = await import("../../app/models/lead-score.server");
    const shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
    const before = await open(cookieA, ann);
    expect(!isResponse(before) && before.leadScore).toBeNull();
    // Four checkouts a day ago: 20 points, the default threshold; a day of decay leaves it just below.
    const at = new Date(Date.now() - 86_400_000);
    for (let i = 0; i < 4; i++) {
      const event = await db.event.create({ data: { shopId: shopA, profileId: ann, name: "Started Checkout", occurredAt: at, properties: {}, source: "shopify_webhook", sourceId: `lead-page-${i}` } });
      await db.$transaction((tx) => updateLeadScore(tx, { shopId: shopA, profileId: ann, events: [{ ...event, properties: {} }], profileChanged: false, now: at }));
    }
    const data = await open(cookieA, ann);
    if (isResponse(data)) throw new Error(`loader answered ${data.status}`);
    expect(data.leadScore).toMatchObject({ score: 19, threshold: 20, salesReady: false, paused: false });
    expect(data.leadScore?.history).toHaveLength(4);
    expect(data.leadScore?.history[0]).toMatchObject({ points: "+5", reason: "Started Checkout +5", score: "20", crossed: true });
    const html = await renderRoute(page.default, data);
    expect(html).toContain("Lead score");
    expect(html).toContain("Became sales-ready");
    // Another shop's customer page shows none of it.
    const other = await open(await cookieFor(SHOP_B), ann);
    expect(isResponse(other) && other.status).toBe(404);
  });

  it("sends a merged profile's page to the profile it was merged into", async () => {
    const response = await open(cookieA, merged);
    expect(isResponse(response) && response.status).toBe(302);
    expect((response as Response).headers.get("Location")).toBe(`/app/customers/${ann}`);
  });

  it("answers 404 for another shop's profile and for malformed or oversized ids, and sends no session to the login", async () => {
    for (const id of [otherShopsProfile, "no-such-profile", "x".repeat(65), "%00"]) {
      const response = await open(cookieA, id);
      expect(isResponse(response) && response.status, id).toBe(404);
    }
    const anonymous = await open(null, ann);
    expect(isResponse(anonymous) && anonymous.status).toBe(302);
    expect((anonymous as Response).headers.get("Location")).toBe("/demo/login");
  });
});
