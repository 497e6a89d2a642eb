import { createPrismaClient, type Db } from "../app/db/client.server";
import { FLOW_PRESETS, type FlowPreset } from "../app/domain/flows/presets";
import { loadHome } from "../app/home.server";
import { listBackfillJobs } from "../app/models/backfill.server";
import { attentionCounters, listHomeFlows, revenueByDayAndFlow, summarizeRange } from "../app/models/dashboard.server";
import { switchOnPreset } from "../app/models/flow-definitions.server";
import { getFlowForShop } from "../app/models/flow-editing.server";
import { sumFlowNumbers } from "../app/models/flow-rollups.server";
import { windowRevenue } from "../app/domain/attribution/holdout";
import { lastDays } from "../app/domain/dashboard/date-range";
import { COHORT_METRICS, flowHoldoutResult } from "../app/models/holdout.server";
import { ensureShop } from "../app/models/shop.server";
import { createTestDatabase, type TestDatabase } from "../tests/helpers/db";
import { bulkWriter, type BulkRow, type BulkWriter } from "./bulk-insert";
import { timeCalls, timingRow } from "./dashboard-table";
import { printTable, seeded, type Row } from "./lib";

/**
 * npm run bench:dashboard — one generated shop with 1,000,000 events, 100,000 orders and 500,000 messages over a
 * year (seeded: the same data every run), with the daily counters the app would have kept for them, on a fresh
 * SQLite file and a fresh PostgreSQL schema. Times the server work of Home's loader (loadHome and the import list,
 * for 30, 90 and 366 days) and of the flow page's loader (the flow, its step and version counters, its holdout
 * result, for 30 and 366 days) against a ceiling from the same run and database: one indexed count of the daily counters.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 500_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 100_000);
const RUNS_PER_TIMING = Number(process.env.BENCH_RUNS ?? 15);
const TARGET_MS = 100;
const SEED = 20261120;
const NOW = new Date("2026-11-20T12:00:00Z");
const YEAR_MS = 365 * 86_400_000;
const HOUR = 3_600_000;
const CHUNK = 5_000;

const day = (at: Date) => at.toISOString().slice(0, 10); // the shop is on UTC

/** The daily counters as ingest, the flow worker, delivery, tracking and attribution would have left them. */
class Counters {
  private values = new Map<string, bigint>();
  add(at: Date, metric: string, by: bigint, d: { flowId?: string; flowVersionId?: string; stepId?: string; variant?: string } = {}) {
    const key = JSON.stringify([day(at), d.flowId ?? "", d.flowVersionId ?? "", d.stepId ?? "", d.variant ?? "", metric]);
    this.values.set(key, (this.values.get(key) ?? 0n) + by);
  }
  rows(shopId: string) {
    return [...this.values.entries()].map(([key, value]) => {
      const [d, flowId, flowVersionId, stepId, variant, metric] = JSON.parse(key) as string[];
      return { shopId, day: d, flowId, flowVersionId, stepId, campaignId: "", variant, metric, value };
    });
  }
}

async function inChunks<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>) {
  for (let at = 0; at < rows.length; at += CHUNK) await write(rows.slice(at, at + CHUNK));
}

type FlowInfo = { id: string; versionId: string; preset: FlowPreset; emails: string[]; variants: string[] };

/** Generates the shop; returns it and its flows. Writes rows in chunks, so memory stays flat. */
async function generate(db: Db, w: BulkWriter) {
  const random = seeded(SEED);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const shop = await ensureShop(db, "bench-dashboard.myshopify.com", new Date(NOW.getTime() - YEAR_MS));
  const flows: FlowInfo[] = [];
  for (const preset of FLOW_PRESETS) {
    const flow = await switchOnPreset(db, shop.id, preset.preset);
    const steps = (preset.definition as { steps: Array<{ id: string; kind: string; variants?: Array<{ id: string }> }> }).steps;
    flows.push({
      id: flow.id,
      versionId: flow.currentVersionId!,
      preset: preset.preset,
      emails: steps.filter((s) => s.kind === "send_email").map((s) => s.id),
      variants: steps.find((s) => s.kind === "ab_split")?.variants?.map((v) => v.id) ?? [""],
    });
  }
  // The flows have been live all year.
  await db.flowVersion.updateMany({ where: { shopId: shop.id }, data: { createdAt: new Date(NOW.getTime() - YEAR_MS) } });
  const counters = new Counters();
  const at = () => new Date(NOW.getTime() - Math.floor(random() * YEAR_MS));

  const stamp = new Date(NOW.getTime() - YEAR_MS);
  await inChunks(Array.from({ length: PROFILES }, (_, i) => i), (ids) =>
    w.insert("Profile", ids.map((i) => ({ id: `p${i}`, shopId: shop.id, email: `p${i}@bench.example`, emailConsent: random() < 0.7 ? "subscribed" : "unsubscribed", createdAt: stamp, updatedAt: stamp }))),
  );
  let eventId = 0;

  // Runs and their emails until MESSAGES emails exist; one in ten entrants is held out and gets none.
  type Sent = { id: string; profileId: string; flow: FlowInfo; sentAt: Date; clicked: boolean };
  // What the holdout counters need of each run and each profile's orders, counted once the orders are made.
  type Run = { id: string; flowId: string; profileId: string; enteredAt: Date; holdout: boolean };
  const allRuns: Run[] = [];
  const ordersOf = new Map<string, Array<{ placedAt: Date; countedMinor: bigint }>>();
  const clickedEmails: Sent[] = [];
  let messages = 0;
  let run = 0;
  let events = 0;
  while (messages < MESSAGES) {
    const runs: BulkRow[] = [];
    const mails: BulkRow[] = [];
    const engagement: BulkRow[] = [];
    while (runs.length < CHUNK && messages < MESSAGES) {
      const flow = pick(flows);
      const profileId = `p${Math.floor(random() * PROFILES)}`;
      const enteredAt = at();
      const holdout = random() < 0.1;
      const variant = pick(flow.variants);
      const id = `r${run++}`;
      runs.push({ id, shopId: shop.id, flowId: flow.id, flowVersionId: flow.versionId, profileId, status: "completed", state: {}, holdout, triggerEventId: id, enteredAt });
      allRuns.push({ id, flowId: flow.id, profileId, enteredAt, holdout });
      counters.add(enteredAt, "entered", 1n, { flowId: flow.id, flowVersionId: flow.versionId });
      flow.emails.forEach((stepId, n) => {
        const dims = { flowId: flow.id, flowVersionId: flow.versionId, stepId, variant };
        const sentAt = new Date(Math.min(NOW.getTime(), enteredAt.getTime() + (n + 1) * 20 * HOUR));
        if (holdout || messages >= MESSAGES) return counters.add(sentAt, "skipped:holdout", 1n, dims);
        const opened = random() < 0.4;
        const clicked = opened && random() < 0.2;
        const mid = `m${messages++}`;
        mails.push({
          id: mid, shopId: shop.id, profileId, runId: id, flowId: flow.id, flowVersionId: flow.versionId, stepId, variant, idempotencyKey: `${id}:${stepId}:${variant}`,
          toEmail: `${profileId}@bench.example`, subject: stepId, status: "delivered", provider: "outbox", queuedAt: sentAt, sentAt,
          firstOpenedAt: opened ? new Date(sentAt.getTime() + HOUR) : null, firstClickedAt: clicked ? new Date(sentAt.getTime() + 2 * HOUR) : null,
        });
        counters.add(sentAt, "sent", 1n, dims);
        if (opened) {
          counters.add(sentAt, "opened", 1n, dims);
          engagement.push({ id: `e${eventId++}`, receivedAt: sentAt, valueMinor: null, currency: null, shopId: shop.id, profileId, name: "Opened Email", occurredAt: new Date(sentAt.getTime() + HOUR), properties: { messageId: mid }, source: "email", sourceId: `email:${mid}:opened` });
        }
        if (clicked) {
          counters.add(sentAt, "clicked", 1n, dims);
          engagement.push({ id: `e${eventId++}`, receivedAt: sentAt, valueMinor: null, currency: null, shopId: shop.id, profileId, name: "Clicked Email", occurredAt: new Date(sentAt.getTime() + 2 * HOUR), properties: { messageId: mid }, source: "email", sourceId: `email:${mid}:clicked` });
          clickedEmails.push({ id: mid, profileId, flow, sentAt, clicked });
        }
        if (random() < 0.003) counters.add(sentAt, "unsubscribed", 1n, dims);
      });
    }
    await w.insert("FlowRun", runs);
    await w.insert("Message", mails);
    await w.insert("Event", engagement);
    events += engagement.length;
  }

  // Orders: a fifth placed by a recipient within two days of clicking (credited to that email), the rest anyone's.
  const byId = new Map(flows.map((f) => [f.id, f]));
  let orders = 0;
  while (orders < ORDERS) {
    const states: BulkRow[] = [];
    const placed: BulkRow[] = [];
    while (states.length < CHUNK && orders < ORDERS) {
      const credited = random() < 0.2 && clickedEmails.length > 0 ? pick(clickedEmails) : null;
      const profileId = credited?.profileId ?? `p${Math.floor(random() * PROFILES)}`;
      const placedAt = credited ? new Date(Math.min(NOW.getTime(), credited.sentAt.getTime() + Math.floor(random() * 48 * HOUR))) : at();
      const total = BigInt(2_000 + Math.floor(random() * 18_000));
      const orderId = String(5_000_000_000_000 + orders++);
      states.push({ id: `o${orderId}`, createdAt: placedAt, updatedAt: placedAt, shopId: shop.id, orderId, profileId, placedAt, shopifyUpdatedAt: placedAt, currency: "USD", totalMinor: total, countedMinor: total });
      placed.push({ id: `e${eventId++}`, receivedAt: placedAt, shopId: shop.id, profileId, name: "Placed Order", occurredAt: placedAt, properties: { orderId }, valueMinor: total, currency: "USD", source: "shopify_webhook", sourceId: `order:${orderId}:placed` });
      ordersOf.set(profileId, [...(ordersOf.get(profileId) ?? []), { placedAt, countedMinor: total }]);
      counters.add(placedAt, "store_orders", 1n);
      counters.add(placedAt, "store_revenue", total);
      if (credited) {
        const flow = byId.get(credited.flow.id)!;
        const dims = { flowId: flow.id, flowVersionId: flow.versionId, stepId: pick(flow.emails), variant: pick(flow.variants) };
        counters.add(placedAt, "orders", 1n, dims);
        counters.add(placedAt, "revenue", total, dims);
        if (random() < 0.3) counters.add(placedAt, "discount_redeemed", 1n, dims);
      }
    }
    await w.insert("OrderState", states);
    await w.insert("Event", placed);
    events += placed.length;
  }

  // The runs, and the holdout counters of the day each entered: people, who ordered within 30 days, their revenue.
  const converted: Array<{ id: string; revenue: bigint }> = [];
  for (const r of allRuns) {
    const group = { flowId: r.flowId, variant: r.holdout ? "holdout" : "sent" };
    const revenue = windowRevenue(r.enteredAt, ordersOf.get(r.profileId) ?? []);
    counters.add(r.enteredAt, COHORT_METRICS.people, 1n, group);
    if (revenue > 0n) {
      converted.push({ id: r.id, revenue });
      counters.add(r.enteredAt, COHORT_METRICS.converted, 1n, group);
      counters.add(r.enteredAt, COHORT_METRICS.revenueMinor, revenue, group);
      counters.add(r.enteredAt, COHORT_METRICS.revenueSquaresMinor, revenue * revenue, group);
    }
  }
  for (let at = 0; at < converted.length; at += 1_000) {
    const chunk = converted.slice(at, at + 1_000);
    const cases = chunk.map((r) => `WHEN '${r.id}' THEN ${r.revenue}`).join(" ");
    await db.$executeRawUnsafe(`UPDATE "FlowRun" SET "windowRevenueMinor" = CASE "id" ${cases} END WHERE "id" IN (${chunk.map((r) => `'${r.id}'`).join(",")})`);
  }

  // Storefront browsing fills the events up to EVENTS.
  const names = ["Viewed Product", "Viewed Product", "Viewed Product", "Active on Site", "Added to Cart", "Started Checkout"];
  while (events < EVENTS) {
    const n = Math.min(CHUNK, EVENTS - events);
    await w.insert(
      "Event",
      Array.from({ length: n }, (_, j) => {
        const occurredAt = at();
        return {
          id: `e${eventId++}`, shopId: shop.id, profileId: `p${Math.floor(random() * PROFILES)}`, name: pick(names), occurredAt, receivedAt: occurredAt,
          properties: { productId: String(Math.floor(random() * 500)) }, valueMinor: null, currency: null, source: "web_pixel", sourceId: `pixel:${events + j}`,
        };
      }),
    );
    events += n;
  }
  const rollups = counters.rows(shop.id).map((row, i) => ({ id: `d${i}`, ...row, updatedAt: NOW }));
  await inChunks(rollups, (chunk) => w.insert("DailyRollup", chunk));
  return { shop: await db.shop.findUniqueOrThrow({ where: { id: shop.id } }), flows, rollups: rollups.length, events, messages, orders };
}

/** Median and 95th percentile of RUNS_PER_TIMING timed calls, after two untimed ones. */
const time = (fn: () => Promise<unknown>) => timeCalls(fn, RUNS_PER_TIMING, 2);

async function measure(database: TestDatabase, label: string): Promise<Row[]> {
  const started = Date.now();
  // A client of its own, as the app's: the one createTestDatabase made has done the writing.
  const db = createPrismaClient(database.url);
  const writer = await bulkWriter(database);
  try {
    const data = await generate(database.prisma, writer);
    await writer.close();
    console.error(
      `${label}: ${data.events} events, ${data.orders} orders, ${data.messages} messages, ${data.rollups} daily counters generated in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    const { shop } = data;
    const checkout = data.flows.find((f) => f.preset === "abandoned_checkout")!;
    const homeFor = (days: number) => () => {
      const from = new Date(NOW.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      const url = new URL(`http://bench/app?from=${from}&to=${day(NOW)}`);
      return Promise.all([loadHome(db, shop, url, NOW), listBackfillJobs(db, shop.id)]);
    };
    const flowPageFor = (days: number) => async () => {
      const found = await getFlowForShop(db, shop.id, checkout.id);
      const range = lastDays(day(NOW), days);
      return Promise.all([
        found,
        sumFlowNumbers(db, shop.id, checkout.id, range.from, range.to),
        flowHoldoutResult(db, shop.id, checkout.id, range),
      ]);
    };
    const ceiling = await time(() => db.dailyRollup.count({ where: { shopId: shop.id, metric: "revenue", day: { gte: day(new Date(NOW.getTime() - 29 * 86_400_000)), lte: day(NOW) } } }));
    const rows: Row[] = [];
    for (const days of [30, 90, 366]) rows.push(timingRow(`Home loader, ${days} days, ${label}`, await time(homeFor(days)), ceiling, TARGET_MS));
    for (const days of [30, 366]) rows.push(timingRow(`flow page loader, ${days} days, ${label}`, await time(flowPageFor(days)), ceiling, TARGET_MS));
    // Where Home's time goes, part by part, for the README's notes on missed targets.
    const flows = await listHomeFlows(db, shop);
    for (const days of [30, 366]) {
      const range = lastDays(day(NOW), days);
      const parts: Array<[string, () => Promise<unknown>]> = [
        ["summarizeRange", () => summarizeRange(db, shop, range)],
        ["listHomeFlows", () => listHomeFlows(db, shop)],
        ["revenueByDayAndFlow", () => revenueByDayAndFlow(db, shop.id, range)],
        ["attentionCounters", () => attentionCounters(db, shop.id, flows, range.to)],
        ["listBackfillJobs", () => listBackfillJobs(db, shop.id)],
      ];
      const breakdown: string[] = [];
      for (const [name, fn] of parts) breakdown.push(`${name} ${(await time(fn)).median.toFixed(1)} ms`);
      console.log(`${label}, Home (${days} days) part by part, medians: ${breakdown.join(", ")}`);
    }
    return rows;
  } finally {
    await db.$disconnect();
  }
}

async function main() {
  const databases: TestDatabase[] = [];
  try {
    const rows: Row[] = [];
    for (const [provider, label] of [["sqlite", "SQLite"], ["postgresql", "PostgreSQL"]] as const) {
      const database = await createTestDatabase(provider);
      databases.push(database);
      rows.push(...(await measure(database, label)));
      await database.cleanup();
    }
    printTable(
      `Dashboard loaders' server time: one shop, ${EVENTS} events, ${ORDERS} orders, ${MESSAGES} messages over a year; median of ${RUNS_PER_TIMING} (p95)`,
      rows,
    );
  } finally {
    for (const database of databases) await database.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
