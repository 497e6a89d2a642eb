import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, demoLoginCookie, isResponse, renderRoute } from "../helpers/remix";

// The flow page: one flow's steps, numbers and versions, and its on/off switch, as the demo login reaches it.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { ensurePresetFlows } = await import("../../app/models/flows.server");
const { saveEmailStep } = await import("../../app/models/flow-editing.server");
const { incrementRollup } = await import("../../app/models/rollups.server");
const { recentDays } = await import("../../app/domain/time");
const page = await import("../../app/routes/app.flows.$flowId");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "flow-page-a-demo.myshopify.com";
const SHOP_B = "flow-page-b-demo.myshopify.com";

type PageData = Exclude<Awaited<ReturnType<typeof page.loader>>, Response>;

async function load(cookie: string | null, flowId: string, query = "") {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  return callRoute(page.loader, new Request(`${BASE}/app/flows/${flowId}${query}`, { headers }), { flowId });
}

async function post(cookie: string | null, flowId: string, body: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  const result = await callRoute(page.action, new Request(`${BASE}/app/flows/${flowId}`, { method: "POST", headers, body }), { flowId });
  if (!isResponse(result)) throw new Error("the flow page action answers with a Response");
  return result;
}


const snapshot = () =>
  Promise.all([
    db.flow.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, currentVersionId: true } }),
    db.flowVersion.count(),
  ]);

describe("the flow page", () => {
  let cookieA = "";
  let shopA = "";
  let checkoutA = "";
  let welcomeA = "";
  let welcomeB = "";

  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B]) {
      const shop = await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
      await ensurePresetFlows(db, shop.id);
    }
    shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
    checkoutA = (await db.flow.findFirstOrThrow({ where: { shopId: shopA, preset: "abandoned_checkout" } })).id;
    welcomeA = (await db.flow.findFirstOrThrow({ where: { shopId: shopA, preset: "welcome" } })).id;
    welcomeB = (await db.flow.findFirstOrThrow({ where: { shop: { domain: SHOP_B }, preset: "welcome" } })).id;
    cookieA = await demoLoginCookie(SHOP_A);
  });

  it("shows a flow that was never switched on: its preset's steps, in order, with branches and links to edit emails", async () => {
    const data = (await load(cookieA, checkoutA)) as PageData;
    expect(data.flow).toMatchObject({ id: checkoutA, name: "Abandoned checkout", status: "draft" });
    expect(data.trigger).toBe("When Started Checkout happens");
    expect(data.preset?.rationale).toMatch(/Three reminders/);
    expect(data.versions).toEqual([]);
    expect(data.steps.map((s) => [s.number, s.kind, s.title])).toEqual([
      [1, "delay", "Wait 4 hours from the start of the flow"],
      [2, "send_email", "Send email"],
      [3, "ab_split", "Second reminder: 24 h or 48 h?"],
      [4, "delay", "Wait 24 hours from the start of the flow"],
      [5, "delay", "Wait 48 hours from the start of the flow"],
      [6, "send_email", "Send email"],
      [7, "delay", "Wait 72 hours from the start of the flow"],
      [8, "send_email", "Send email"],
    ]);
    expect(data.steps[2]).toMatchObject({ detail: "24h 50% / 48h 50%", links: [{ label: "Variant 24h" }, { label: "Variant 48h" }] });
    expect(data.steps[7]).toMatchObject({
      detail: "10% off to finish your order",
      discount: { value: 10 },
      links: [{ label: "Then", to: null }],
    });
    expect(data.exits.map((e) => e.reason)).toEqual(["placed order", "checkout completed"]);
  });

  it("shows last-30-day numbers per step from the rollups, and the versions with the current one marked", async () => {
    const on = await post(cookieA, welcomeA, "intent=on");
    expect(await on.json()).toEqual({ flowId: welcomeA, status: "live" });
    const v1 = (await db.flow.findUniqueOrThrow({ where: { id: welcomeA } })).currentVersionId!;
    const day = recentDays(new Date(), "UTC", 1)[0];
    const key = { shopId: shopA, flowId: welcomeA, flowVersionId: v1, day };
    await incrementRollup(db, { ...key, metric: "entered" }, 12n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "sent" }, 9n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "skipped:no_consent" }, 3n);
    await incrementRollup(db, { ...key, day: "2000-01-01", stepId: "welcome_1", metric: "sent" }, 500n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "opened" }, 4n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "clicked" }, 3n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "unsubscribed" }, 1n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "orders" }, 2n);
    await incrementRollup(db, { ...key, stepId: "welcome_1", metric: "revenue" }, 12_345n);
    // Shop B's numbers for its own welcome flow never show on shop A's page.
    await incrementRollup(db, { shopId: (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_B } })).id, flowId: welcomeB, day, stepId: "welcome_1", metric: "sent" }, 77n);

    const edited = await saveEmailStep(db, {
      shopId: shopA,
      flowId: welcomeA,
      stepId: "welcome_2",
      content: { subject: "Our story", previewText: "", blocks: [{ type: "text", text: "Hello" }, { type: "footer" }] },
    });
    expect(edited.ok).toBe(true);

    const data = (await load(cookieA, welcomeA)) as PageData;
    expect(data.flow.status).toBe("live");
    const welcome1 = data.steps.find((s) => s.id === "welcome_1")!;
    expect(welcome1).toMatchObject({ sent: "9", skipped: [{ reason: "no email consent", count: "3" }], edited: false });
    expect(welcome1.message).toEqual({ openRate: "44.4 %", clickRate: "33.3 %", unsubscribeRate: "11.1 %", bounced: "0", orders: "2", revenue: "$123.45" });
    expect(data.entered).toBe("12");
    expect(data.funnel[0]).toEqual({ id: "welcome_1", label: expect.stringContaining("1."), reached: "12", sent: "9", opened: "4", clicked: "3", orders: "2", revenue: "$123.45" });
    expect(data.abTests).toEqual([]);
    expect(data.steps.find((s) => s.id === "welcome_2")).toMatchObject({ detail: "Our story", edited: true, sent: "0" });
    expect(data.steps.find((s) => s.id === "wait_2_days")).toMatchObject({ sent: null, skipped: [] });
    expect(data.versions.map((v) => [v.version, v.current, v.entered, v.sent, v.orders, v.revenue])).toEqual([
      [2, true, "0", "0", "0", "$0.00"],
      [1, false, "12", "9", "2", "$123.45"],
    ]);

    const html = await renderRoute(page.default, data);
    expect(html).toContain(`href="/app/flows/${welcomeA}/emails/welcome_1"`);
    expect(html).toContain("Edit email");
    expect(html).toContain("Turn off Welcome series");
    expect(html).toContain("Subject: Our story");
    expect(html).toContain("44.4 % opened · 33.3 % clicked · 2 orders · $123.45");
    expect(html).toContain("Funnel");
  });

  it("shows the numbers of the days in the address, and the last 30 days with a notice when they cannot be used", async () => {
    const flow = await db.flow.findUniqueOrThrow({ where: { id: welcomeA } });
    const key = { shopId: shopA, flowId: welcomeA, flowVersionId: flow.currentVersionId ?? "v", stepId: "welcome_1", metric: "sent" };
    await incrementRollup(db, { ...key, day: "2026-03-10" }, 40n);
    await incrementRollup(db, { ...key, day: "2026-03-20" }, 2n);
    // Holdout counters of people who entered in March: 40 sent, 35 held out.
    for (const [variant, people, converted, revenue] of [["sent", 40n, 12n, 60_000n], ["holdout", 35n, 6n, 24_000n]] as const) {
      const group = { shopId: shopA, flowId: welcomeA, day: "2026-03-12", variant };
      await incrementRollup(db, { ...group, metric: "cohort_people" }, people);
      await incrementRollup(db, { ...group, metric: "cohort_converted" }, converted);
      await incrementRollup(db, { ...group, metric: "cohort_revenue" }, revenue);
      await incrementRollup(db, { ...group, metric: "cohort_revenue_sq" }, converted * (revenue / converted) ** 2n);
    }

    const march = (await load(cookieA, welcomeA, "?from=2026-03-01&to=2026-03-15")) as PageData;
    expect(march.period).toMatchObject({ from: "2026-03-01", to: "2026-03-15", notice: null });
    expect(march.steps.find((s) => s.id === "welcome_1")).toMatchObject({ sent: "40" });
    expect(march.holdout.lines[0]).toBe("Sent: 12 of 40 ordered within 30 days of entering; holdout: 6 of 35.");
    const html = await renderRoute(page.default, march);
    expect(html).toContain("2026-03-01 to 2026-03-15");

    const april = (await load(cookieA, welcomeA, "?from=2026-04-01&to=2026-04-30")) as PageData;
    expect(april.steps.find((s) => s.id === "welcome_1")).toMatchObject({ sent: "0" });
    expect(april.holdout.headline).toBe("No holdout group");

    for (const query of ["?from=2026-03-15&to=2026-03-01", "?from=banana&to=2026-03-01", `?from=2020-01-01&to=2026-03-01`, "?from=2999-01-01&to=2999-01-02"]) {
      const fallback = (await load(cookieA, welcomeA, query)) as PageData;
      expect(fallback.period.days, query).toBe(30);
      expect(fallback.period.notice, query).toEqual(expect.any(String));
    }
  });

  it("shows the A/B split's variants and names a winner only when the lead is significant", async () => {
    const on = await post(cookieA, checkoutA, "intent=on");
    expect(on.status).toBe(200);
    const version = (await db.flow.findUniqueOrThrow({ where: { id: checkoutA } })).currentVersionId!;
    const day = recentDays(new Date(), "UTC", 1)[0];
    const bump = (variant: string, stepId: string, metric: string, by: bigint) =>
      incrementRollup(db, { shopId: shopA, flowId: checkoutA, flowVersionId: version, day, stepId, variant, metric }, by);
    // Clicks: 24h 100 of 1,000 vs 48h 70 of 1,000 (p = 0.016). Orders: 9 vs 6 (not significant).
    await bump("24h", "checkout_2", "sent", 1000n);
    await bump("24h", "checkout_2", "clicked", 100n);
    await bump("24h", "checkout_2", "orders", 9n);
    await bump("24h", "checkout_2", "revenue", 90_000n);
    await bump("48h", "checkout_2", "sent", 1000n);
    await bump("48h", "checkout_2", "clicked", 70n);
    await bump("48h", "checkout_2", "orders", 6n);
    await bump("48h", "checkout_2", "revenue", 48_000n);

    const data = (await load(cookieA, checkoutA)) as PageData;
    expect(data.abTests).toHaveLength(1);
    const [test] = data.abTests;
    expect(test.name).toBe("Second reminder: 24 h or 48 h?");
    expect(test.winner).toBe("24h");
    expect(test.variants).toEqual([
      { id: "24h", sent: "1000", clickRate: "10.0 %", orderRate: "0.9 %", revenuePerEmail: "$0.90" },
      { id: "48h", sent: "1000", clickRate: "7.0 %", orderRate: "0.6 %", revenuePerEmail: "$0.48" },
    ]);
    expect(test.verdicts[0]).toMatch(/^Clicks: 24h wins\. 24h leads 48h by \+3\.0 points .*p = 0\.016\)/);
    expect(test.verdicts[1]).toMatch(/^Orders: no winner yet\./);
    const html = await renderRoute(page.default, data);
    expect(html).toContain("Winner: 24h");
    await post(cookieA, checkoutA, "intent=off");
  });

  it("switches off and on again without losing the edited version", async () => {
    const before = (await db.flow.findUniqueOrThrow({ where: { id: welcomeA } })).currentVersionId;
    expect(await (await post(cookieA, welcomeA, "intent=off")).json()).toEqual({ flowId: welcomeA, status: "paused" });
    expect(await (await post(cookieA, welcomeA, "intent=on")).json()).toEqual({ flowId: welcomeA, status: "live" });
    expect((await db.flow.findUniqueOrThrow({ where: { id: welcomeA } })).currentVersionId).toBe(before);
  });

  it("is not found for another shop's flow, an unknown id or an absurd one", async () => {
    for (const id of [welcomeB, "no-such-flow", "x".repeat(500)]) {
      const result = await load(cookieA, id);
      expect(isResponse(result) && result.status).toBe(404);
    }
  });

  it("refuses another shop's flow, malformed and oversized input, and changes nothing", async () => {
    const before = await snapshot();
    expect((await post(cookieA, welcomeB, "intent=on")).status).toBe(404);
    expect((await post(cookieA, "x".repeat(500), "intent=on")).status).toBe(404);
    expect((await post(cookieA, checkoutA, "intent=explode")).status).toBe(400);
    expect((await post(cookieA, checkoutA, "")).status).toBe(400);
    expect((await post(cookieA, checkoutA, "intent=on&pad=" + "x".repeat(10_000))).status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it("sends unauthenticated and forged requests to the login, changing nothing", async () => {
    const before = await snapshot();
    const forged = cookieA.replace(/=.{8}/, "=AAAAAAAA");
    for (const cookie of [null, forged]) {
      const read = await load(cookie, welcomeA);
      expect(isResponse(read) && read.status).toBe(302);
      expect((await post(cookie, checkoutA, "intent=on")).status).toBe(302);
    }
    expect(await snapshot()).toEqual(before);
  });
});
