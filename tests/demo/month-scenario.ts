// A compressed month of the demo: the traffic generator against the real webhook and pixel routes in-process, the
// real inbox and flow worker passes, on a virtual clock this file drives (no real waiting), with a restart half way.
// The app's own `new Date()` (routes, row defaults) is set to the virtual time too, as if every process of the demo
// ran on its clock. Imported by month.test.ts (SQLite) and month.postgresql.test.ts (PostgreSQL).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "../../app/db.server";
import type { Clock } from "../../app/domain/clock";
import { planDemoClock, rememberDemoClock } from "../../app/demo/demo-clock";
import { createDemoSchedule } from "../../app/demo/schedule";
import { DEMO_SHOP_DOMAIN, seedDemo } from "../../app/demo/seed.server";
import { createDemoTraffic, type TrafficTransport } from "../../app/demo/traffic.server";
import { getHomeSummary } from "../../app/models/dashboard.server";
import * as pixelRoute from "../../app/routes/ingest.pixel";
import { createOutboxMailer } from "../../app/services/mailer/outbox.server";
import { runFlowsOnce } from "../../app/worker/flow-worker.server";
import { testEmailDelivery } from "../helpers/flows";
import { drainAll, WEBHOOK_ROUTES, type RoutedTopic } from "../helpers/ingest";
import { callRoute } from "../helpers/remix";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CUSTOMERS = 120;
// A quieter shop than the demo's default, so the month runs in seconds; the stories are the same.
const RATES = { checkoutsPerDay: [3, 5] as [number, number], subscribersPerDay: [1, 1] as [number, number], optInsPerDay: 1, browsingPerDay: [2, 3] as [number, number] };
/** Worker passes every 3 virtual hours: fine enough for the presets' delays (the shortest is 2 h), and quick. */
const STEP = 3 * HOUR;

/** Requests reach the route modules as Remix would hand them over; every delivery id sent is recorded. */
function inProcessTransport(sent: string[]): TrafficTransport {
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/ingest/pixel") {
      sent.push(`pixel:${(JSON.parse(await request.clone().text()) as { event: { id: string } }).event.id}`);
      const response = await callRoute(pixelRoute.action, request);
      if (!(response instanceof Response)) throw new Error("the pixel route must answer with a Response");
      return response;
    }
    const topic = url.pathname.replace(/^\/webhooks\//, "") as RoutedTopic;
    sent.push(`webhook:${request.headers.get("X-Shopify-Webhook-Id")}`);
    const response = await callRoute(WEBHOOK_ROUTES[topic].action, request);
    if (!(response instanceof Response)) throw new Error("a webhook route must answer with a Response");
    return response;
  };
}

export function monthScenario(label: string) {
  describe(`a simulated month of the demo shop on ${label}`, () => {
    // Midnight in the shop's timezone (America/New_York), so quiet hours fall the same way on every run.
    const origin = new Date("2026-10-01T04:00:00Z");
    const end = new Date(origin.getTime() + 30 * DAY);
    const restartAt = new Date(origin.getTime() + 15 * DAY + 7 * HOUR);
    let virtual = origin;
    const clock: Clock = { now: () => virtual };
    const sent: string[] = [];
    const failures: string[] = [];
    const mailer = createOutboxMailer();
    const delivery = testEmailDelivery();
    let shopId = "";
    let expectedWebhooks: string[] = [];
    let atRestart = { messages: 0, runs: 0, inbox: 0 };
    let afterRestartPass = { messages: 0, runs: 0 };
    let plan: ReturnType<typeof planDemoClock>;

    /** One worker pass at the virtual now, in production's order; repeated while a batch came back full. */
    async function workers(cursors: Map<string, Date>) {
      await drainAll(() => virtual);
      for (;;) {
        const pass = await runFlowsOnce(db, mailer, { now: virtual, cursors, delivery, limit: 100 });
        if (pass.advanced.claimed < 100 && pass.delivered.sent + pass.delivered.failed + pass.delivered.retried < 100) return;
      }
    }

    async function run(traffic: Awaited<ReturnType<typeof createDemoTraffic>>, cursors: Map<string, Date>, until: Date) {
      while (virtual < until) {
        virtual = new Date(Math.min(until.getTime(), virtual.getTime() + STEP));
        vi.setSystemTime(virtual);
        const tick = await traffic.tick();
        if (tick.failed > 0) failures.push(`${virtual.toISOString()}: ${tick.failed} refused`);
        await workers(cursors);
      }
    }

    beforeAll(async () => {
      // Only Date: timers stay real. It moves on from each virtual instant at real pace, as a process's clock would.
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      vi.setSystemTime(origin);
      const { shop, created } = await seedDemo(db, { now: origin, customers: CUSTOMERS });
      expect(created).toBe(true);
      shopId = shop.id;
      const options = {
        appUrl: "https://my-test-app.myshopify.io",
        shopDomain: DEMO_SHOP_DOMAIN,
        apiSecret: process.env.SHOPIFY_API_SECRET!,
        clock,
        origin,
        customers: CUSTOMERS,
        rates: RATES,
        transport: inProcessTransport(sent),
        log: (message: string) => failures.push(message),
      };

      const first = await createDemoTraffic(db, { ...options, after: origin });
      await run(first, new Map(), restartAt);
      expectedWebhooks = createDemoSchedule(first.schedule.world)
        .between(origin, end)
        .flatMap((d) => (d.kind === "webhook" ? [`webhook:${d.webhookId}`] : []));

      // Stopped here, started again when real time is the month's end: the restart plans its clock from the saved
      // state as scripts/demo.ts does, in a "new process" (new traffic generator, no flow-trigger cursors).
      const states = rememberDemoClock([], { shopId, origin, reached: first.reached() });
      plan = planDemoClock({ now: end, speed: 8640, monthStart: origin, shop: { id: shopId, created: false }, states });
      atRestart = { messages: await db.message.count(), runs: await db.flowRun.count(), inbox: await db.inboxEntry.count() };
      const second = await createDemoTraffic(db, { ...options, origin: plan.origin, after: plan.from });
      const cursors = new Map<string, Date>();
      expect((await second.tick()).sent).toBe(0); // the clock has not moved: nothing is due again
      await workers(cursors);
      afterRestartPass = { messages: await db.message.count(), runs: await db.flowRun.count() };
      await run(second, cursors, end);
    }, 180_000);
    afterAll(() => {
      vi.useRealTimers();
    });

    it("delivers every webhook of the month exactly once, across the restart, all accepted and processed", async () => {
      expect(plan).toEqual({ origin, from: restartAt, mode: "resumed" });
      expect(failures).toEqual([]);
      expect(new Set(sent).size).toBe(sent.length);
      const webhooks = sent.filter((s) => s.startsWith("webhook:"));
      expect(webhooks.sort()).toEqual([...expectedWebhooks].sort());
      expect(await db.inboxEntry.count({ where: { source: "shopify_webhook" } })).toBe(webhooks.length);
      expect(await db.inboxEntry.count({ where: { status: { not: "done" } } })).toBe(0);
      // The restart replayed nothing: no delivery, run or email came from starting again.
      expect(atRestart.inbox).toBeGreaterThan(0);
      expect(afterRestartPass).toEqual({ messages: atRestart.messages, runs: atRestart.runs });
    });

    it("sends emails of several presets into the outbox, at virtual times within the month", async () => {
      const flows = await db.flow.findMany({ where: { shopId }, select: { id: true, preset: true } });
      const presetOf = new Map(flows.map((f) => [f.id, f.preset]));
      const messages = await db.message.findMany({ where: { shopId }, select: { flowId: true, stepId: true, status: true, provider: true, sentAt: true } });
      const steps = new Map<string, Set<string>>();
      for (const m of messages) {
        expect(m).toMatchObject({ status: "sent", provider: "outbox" });
        expect(m.sentAt!.getTime()).toBeGreaterThan(origin.getTime());
        expect(m.sentAt!.getTime()).toBeLessThanOrEqual(end.getTime());
        const preset = presetOf.get(m.flowId!) ?? "?";
        steps.set(preset, (steps.get(preset) ?? new Set()).add(m.stepId!));
      }
      expect([...(steps.get("welcome") ?? [])].sort()).toEqual(["welcome_1", "welcome_2", "welcome_3"]);
      expect(steps.get("abandoned_checkout")).toContain("checkout_1");
      expect(steps.get("abandoned_checkout")).toContain("checkout_3");
      expect(steps.get("post_purchase")).toContain("review_request");
      expect(steps.get("post_purchase")).toContain("cross_sell");
      expect([...(steps.get("post_purchase") ?? [])].some((s) => s.startsWith("thanks_"))).toBe(true);
      expect(steps.get("browse_abandonment")).toContain("browse_1");
      // Emails go out spread over the month, not in one burst at its end.
      const days = new Set(messages.map((m) => Math.floor((m.sentAt!.getTime() - origin.getTime()) / DAY)));
      expect(days.size).toBeGreaterThanOrEqual(25);
    });

    it("never sends an abandoned-checkout email to someone who had ordered since starting the checkout", async () => {
      const flow = await db.flow.findFirstOrThrow({ where: { shopId, preset: "abandoned_checkout" } });
      const messages = await db.message.findMany({ where: { flowId: flow.id }, select: { runId: true, profileId: true, sentAt: true } });
      expect(messages.length).toBeGreaterThan(5);
      for (const m of messages) {
        const run = await db.flowRun.findUniqueOrThrow({ where: { id: m.runId! } });
        const startedAt = new Date((run.state as { startedAt: string }).startedAt);
        const orders = await db.event.count({ where: { profileId: m.profileId, name: "Placed Order", occurredAt: { gte: startedAt, lte: m.sentAt! } } });
        expect(orders).toBe(0);
      }
      // Not vacuous: the month had checkouts completed by an order (some late, some on another device) and in place.
      const exits = await db.flowRun.groupBy({ by: ["exitReason"], where: { flowId: flow.id, status: "exited" }, _count: true });
      const reasons = new Map(exits.map((e) => [e.exitReason, e._count]));
      expect(reasons.get("placed_order")).toBeGreaterThan(0);
      expect(reasons.get("checkout_completed")).toBeGreaterThan(0);
    });

    it("fills the dashboard with the month's orders, refunds and emails", async () => {
      const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
      // 31 shop-local days up to the end: the month exactly (it starts at midnight in the shop's timezone).
      const summary = await getHomeSummary(db, shop, end, 31);
      expect(summary.from).toBe("2026-10-01");
      const orders = await db.event.findMany({ where: { shopId, name: "Placed Order", source: "shopify_webhook" }, select: { valueMinor: true } });
      const refunds = await db.event.findMany({ where: { shopId, name: "Refunded Order" }, select: { valueMinor: true } });
      const sum = (rows: Array<{ valueMinor: bigint | null }>) => rows.reduce((total, r) => total + (r.valueMinor ?? 0n), 0n);
      expect(orders.length).toBeGreaterThan(60);
      expect(summary.totals.store_orders).toBe(BigInt(orders.length));
      expect(summary.totals.store_revenue).toBe(sum(orders) - sum(refunds));
      expect(summary.totals.sent).toBe(BigInt(await db.message.count({ where: { shopId } })));
      expect(refunds.length).toBeGreaterThan(0);
      expect(await db.event.count({ where: { shopId, name: "Returned Order" } })).toBeGreaterThan(0);
      expect(await db.event.count({ where: { shopId, name: "Fulfilled Order" } })).toBeGreaterThan(0);
      expect(await db.event.count({ where: { shopId, name: "Viewed Product", source: "web_pixel" } })).toBeGreaterThan(30);
    });
  });
}
