import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, demoLoginCookie, isResponse, renderRoute, renderRouteError } from "../helpers/remix";

// Home through its loader, as the demo login reaches it: the period from the URL, the numbers from the daily
// counters, the chart, the top tables and what needs attention; bad queries, strangers and other shops' numbers.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { ensurePresetFlows, setFlowLive } = await import("../../app/models/flows.server");
const { incrementRollup } = await import("../../app/models/rollups.server");
const { addDays } = await import("../../app/domain/dashboard/days");
const { dayInTimezone } = await import("../../app/domain/time");
const page = await import("../../app/routes/app._index");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "home-a-demo.myshopify.com";
const SHOP_B = "home-b-demo.myshopify.com";
const SHOP_NEW = "home-new-demo.myshopify.com";

type HomeData = Exclude<Awaited<ReturnType<typeof page.loader>>, Response>;

async function load(cookie: string | null, query = "") {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  return callRoute(page.loader, new Request(`${BASE}/app${query}`, { headers }));
}
const home = async (cookie: string, query = "") => (await load(cookie, query)) as HomeData;

describe("Home", () => {
  const today = dayInTimezone(new Date(), "UTC");
  const ago = (n: number) => addDays(today, -n);
  let cookieA = "";
  let cookieNew = "";
  const flows: Record<string, string> = {};

  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B, SHOP_NEW]) {
      const shop = await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
      await ensurePresetFlows(db, shop.id);
    }
    const shopOf = async (domain: string) => (await db.shop.findUniqueOrThrow({ where: { domain } })).id;
    const [a, b] = [await shopOf(SHOP_A), await shopOf(SHOP_B)];
    for (const [key, shopId, preset] of [["welcomeA", a, "welcome"], ["checkoutA", a, "abandoned_checkout"], ["welcomeB", b, "welcome"]] as const) {
      const flow = await db.flow.findFirstOrThrow({ where: { shopId, preset } });
      await setFlowLive(db, shopId, flow.id, true);
      flows[key] = flow.id;
    }
    // Live for two months: the needs-attention rules have a baseline to compare with.
    await db.flowVersion.updateMany({ where: { shopId: { in: [a, b] } }, data: { createdAt: new Date(Date.now() - 60 * 86_400_000) } });

    const count = (shopId: string, day: string, metric: string, by: bigint, flowId = "", stepId = "") =>
      incrementRollup(db, { shopId, day, metric, flowId, stepId, flowVersionId: flowId ? "v1" : "" }, by);
    // Shop A: store orders every day; welcome_1 earns $10 a day for 60 days, checkout_3 $50 three days ago.
    for (let n = 0; n < 60; n++) {
      await count(a, ago(n), "store_revenue", 100_00n);
      await count(a, ago(n), "store_orders", 2n);
      await count(a, ago(n), "revenue", 10_00n, flows.welcomeA, "welcome_1");
      await count(a, ago(n), "orders", 1n, flows.welcomeA, "welcome_1");
      await count(a, ago(n), "sent", 10n, flows.welcomeA, "welcome_1");
      await count(a, ago(n), "opened", 5n, flows.welcomeA, "welcome_1");
      await count(a, ago(n), "clicked", 1n, flows.welcomeA, "welcome_1");
      await count(a, ago(n), "entered", 10n, flows.checkoutA);
      await count(a, ago(n), "discount_redeemed", 1n, flows.checkoutA, "checkout_3");
    }
    await count(a, ago(3), "revenue", 50_00n, flows.checkoutA, "checkout_3");
    await count(a, ago(3), "sent", 4n, flows.checkoutA, "checkout_3");
    // Today (10 and 1 already): a surge of people entering the abandoned-checkout flow and of its discount codes used.
    await count(a, today, "entered", 90n, flows.checkoutA);
    await count(a, today, "discount_redeemed", 25n, flows.checkoutA, "checkout_3");
    // Shop B: numbers no one in shop A may ever see.
    await count(b, ago(1), "revenue", 777_777_00n, flows.welcomeB, "welcome_1");
    await count(b, ago(1), "store_revenue", 999_999_00n);
    await count(b, ago(1), "sent", 123_456n, flows.welcomeB, "welcome_1");
    await count(b, today, "entered", 5000n, flows.welcomeB);
    cookieA = await demoLoginCookie(SHOP_A);
    cookieNew = await demoLoginCookie(SHOP_NEW);
  });

  it("shows the last 30 days by default, from the daily counters", async () => {
    const d = await home(cookieA);
    expect(d.range).toEqual({ from: ago(29), to: today, days: 30, preset: 30, label: "Last 30 days" });
    expect(d.notice).toBeNull();
    expect(d).toMatchObject({
      storeRevenue: "$3,000.00",
      storeOrders: "60",
      attributedRevenue: "$350.00",
      attributedShare: "11.7 %",
      attributedOrders: "30",
      emailsSent: "304",
      liveFlows: 2,
    });
    // One series per flow that earned, the largest first, a point for every day of the range.
    expect(d.chart.map((s) => [s.name, s.data.length, s.data.reduce((sum, p) => sum + p.value, 0)])).toEqual([
      ["Welcome series", 30, 300],
      ["Abandoned checkout", 30, 50],
    ]);
    expect(d.chart[1].data.find((p) => p.key === ago(3))?.value).toBe(50);
    expect(d.topFlows.map((f) => [f.name, f.revenue, f.orders, f.sent, f.openRate, f.clickRate])).toEqual([
      ["Welcome series", "$300.00", "30", "300", "50.0 %", "10.0 %"],
      ["Abandoned checkout", "$50.00", "0", "4", "0.0 %", "0.0 %"],
    ]);
    expect(d.topMessages.map((m) => [m.flowName, m.revenue, m.editUrl])).toEqual([
      ["Welcome series", "$300.00", `/app/flows/${flows.welcomeA}/emails/welcome_1`],
      ["Abandoned checkout", "$50.00", `/app/flows/${flows.checkoutA}/emails/checkout_3`],
    ]);
    expect(d.topMessages[0].name).toMatch(/\S/);
  });

  it("follows the range in the URL: 7 days, 90 days and a custom range give their own numbers", async () => {
    const week = await home(cookieA, `?from=${ago(6)}&to=${today}`);
    expect(week).toMatchObject({ range: { days: 7, preset: 7, label: "Last 7 days" }, storeRevenue: "$700.00", attributedRevenue: "$120.00" });
    const quarter = await home(cookieA, `?from=${ago(89)}&to=${today}`);
    // Sixty days of counters exist: 90 days show all of them.
    expect(quarter).toMatchObject({ range: { days: 90, preset: 90 }, storeRevenue: "$6,000.00", attributedRevenue: "$650.00" });
    const custom = await home(cookieA, `?from=${ago(10)}&to=${ago(4)}`);
    expect(custom).toMatchObject({ range: { from: ago(10), to: ago(4), days: 7, preset: null }, storeRevenue: "$700.00", attributedRevenue: "$70.00" });
    expect(custom.chart.map((s) => s.name)).toEqual(["Welcome series"]);
  });

  it("answers a malformed, reversed, oversized or hostile range with the last 30 days and a notice, never an error", async () => {
    const queries = [
      "?from=yesterday&to=today",
      `?from=${today}&to=${ago(5)}`,
      `?from=${ago(400)}&to=${today}`,
      `?from=${ago(5)}`,
      "?from=2026-02-30&to=2026-03-01",
      `?from=${"9".repeat(50_000)}&to=${today}`,
      "?from=%00%FF&to=%3Cscript%3E",
      `?from=<script>alert(1)</script>&to=${today}`,
    ];
    for (const query of queries) {
      const d = await home(cookieA, query);
      expect(d.range).toMatchObject({ from: ago(29), to: today, days: 30 });
      expect(d.notice).toMatch(/Showing the last 30 days instead\.$/);
      expect(d.notice!.length).toBeLessThan(200);
      expect(d.storeRevenue).toBe("$3,000.00");
    }
    // Repeated parameters: the first of each is the one read.
    const repeated = await home(cookieA, `?from=${ago(6)}&from=junk&to=${today}&to=junk`);
    expect(repeated).toMatchObject({ range: { days: 7 }, notice: null });
    const html = await renderRoute(page.default, await home(cookieA, "?from=<b>x</b>&to=2026-01-01"));
    expect(html).toContain("That date range could not be used");
    expect(html).not.toContain("<b>x</b>");
  });

  it("says what needs attention: the surge of entries and of discount codes used today, in shop A only", async () => {
    const d = await home(cookieA);
    expect(d.attention.map((a) => [a.kind, a.flowName])).toEqual([
      ["discount_spike", "Abandoned checkout"],
      ["participant_spike", "Abandoned checkout"],
    ]);
    expect(d.attention[0].detail).toContain("26 orders used this flow's discount codes today, against about 1 a day");
    expect(d.attention[1].detail).toContain("100 people entered today, against about 10 a day");
    // The watch looks at now, whatever period the numbers show.
    expect((await home(cookieA, `?from=${ago(60)}&to=${ago(40)}`)).attention).toHaveLength(2);
  });

  it("never shows another shop's numbers or flows to this shop's session", async () => {
    for (const query of ["", `?from=${ago(6)}&to=${today}`, `?from=${ago(89)}&to=${today}&shop=${SHOP_B}`]) {
      const d = await home(cookieA, query);
      const text = JSON.stringify(d);
      for (const foreign of ["777,777", "999,999", "123456", "5000", flows.welcomeB, SHOP_B]) expect(text).not.toContain(foreign);
      expect(d.attention.every((a) => a.flowId !== flows.welcomeB)).toBe(true);
    }
  });

  it("sends a visitor without a valid session to the login, and reads nothing for them", async () => {
    for (const cookie of [null, "__demo_session=forged", `${cookieA.slice(0, -4)}abcd`]) {
      const result = await load(cookie);
      expect(isResponse(result)).toBe(true);
      expect((result as Response).status).toBe(302);
      expect((result as Response).headers.get("Location")).toBe("/demo/login");
    }
  });

  it("tells a new shop with no flow on what to do next, and renders its range picker and empty tables", async () => {
    const d = await home(cookieNew);
    expect(d).toMatchObject({ liveFlows: 0, attributedRevenue: "$0.00", emailsSent: "0", chart: [], topFlows: [], topMessages: [], attention: [] });
    const html = await renderRoute(page.default, d);
    expect(html).toContain("Switch on your first flow");
    expect(html).toContain('href="/app/flows"');
    expect(html).toContain("No attributed revenue in this period yet");
    expect(html).toContain("No flow sent an email in this period.");
    // Presets are links into the URL's range; the current one is the pressed button.
    expect(html).toContain(`href="?from=${ago(6)}&amp;to=${today}"`);
    expect(html).toContain(`href="?from=${ago(89)}&amp;to=${today}"`);
    expect(html).toMatch(/aria-pressed="true"[^>]*>(<[^>]+>)*Last 30 days/);
  });

  it("renders the chart's fixed-height place on the server and the tables with links to flows and emails", async () => {
    const html = await renderRoute(page.default, await home(cookieA));
    expect(html).toContain('data-testid="revenue-chart"');
    expect(html).toMatch(/data-testid="revenue-chart"[^>]*style="height:300px"|style="height:300px"[^>]*data-testid="revenue-chart"/);
    expect(html).toContain(`href="/app/flows/${flows.welcomeA}"`);
    expect(html).toContain(`href="/app/flows/${flows.checkoutA}/emails/checkout_3"`);
    expect(html).toContain("Abandoned checkout: sudden rise in people entering");
    expect(html).not.toContain("Switch on your first flow");
  });

  it("has an error boundary: Shopify's responses pass through the template's boundary, a failure is said plainly", async () => {
    // What the page shows, without the test renderer's hydration script (production Remix sanitises that).
    const failed = (await renderRouteError(page.ErrorBoundary, new Error("connect ECONNREFUSED 127.0.0.1:5432"))).split("<script>")[0];
    expect(failed).toContain("Home could not load its numbers");
    expect(failed).not.toContain("ECONNREFUSED");
    const shopify = await renderRouteError(page.ErrorBoundary, new Response("Handled by Shopify", { status: 401 }));
    expect(shopify).toContain("Handled by Shopify");
  });
});
