import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import type { Db } from "../../app/db/client.server";
import { jobProgress } from "../../app/domain/backfill/progress";
import { BULK_OPERATION_QUERY, RUN_BULK_QUERY_MUTATION } from "../../app/domain/backfill/queries";
import { normalizeOrder } from "../../app/domain/events/orders";
import {
  advanceAllBackfills,
  advanceBackfill,
  listBackfillJobs,
  runBackfill,
  startBackfill,
  type BackfillOptions,
} from "../../app/models/backfill.server";
import { applyNormalized } from "../../app/models/ingest.server";
import { createAdminGraphql } from "../../app/services/shopify-admin.server";
import { createTestDatabase } from "../helpers/db";
import { startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";
import { ALICE, CUSTOMERS, EXPECTED_EVENTS, EXPECTED_STATS, NOW, O1, O1_WEBHOOK, ORDERS } from "./fixtures";

type Shop = { id: string; domain: string; currency: string; timezone: string };

let fake: FakeShopifyAdmin;
let sleeps: number[];
beforeEach(async () => {
  fake = await startFakeShopifyAdmin();
  fake.setResult("customers", CUSTOMERS);
  fake.setResult("orders", ORDERS);
  sleeps = [];
});
afterEach(() => fake.close());

function admin() {
  // Virtual time that moves only by the client's own waits: the waits it computes never depend on machine speed.
  let clock = NOW.getTime();
  return createAdminGraphql({
    shop: fake.shop,
    accessToken: fake.accessToken,
    apiVersion: "2026-07",
    customFetchApi: fake.fetchApi,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
}

const options = (extra: BackfillOptions = {}) => ({ now: () => NOW, sleep: async () => {}, pollIntervalMs: 0, ...extra });

async function newShop(client: Db = db): Promise<Shop> {
  const domain = `shop-${randomUUID().slice(0, 8)}.myshopify.com`;
  return client.shop.create({ data: { domain, name: domain, settings: { create: {} } } });
}

async function backfill(shop: Shop, extra: BackfillOptions = {}, client: Db = db) {
  const a = admin();
  await startBackfill(client, shop, a, options(extra));
  return runBackfill(client, shop, a, options(extra));
}

async function stats(client: Db, shopId: string) {
  const profiles = await client.profile.findMany({ where: { shopId }, orderBy: { email: "asc" } });
  return Object.fromEntries(profiles.map((p) => [p.email, [p.ordersCount, p.revenueMinor]]));
}

const mutations = () => fake.requests.filter((r) => r.operation === "bulkOperationRunQuery");

describe("backfill through bulk operations", () => {
  it("imports customers and a year of orders: counts, revenue, consent, exact ids", async () => {
    const shop = await newShop();
    const jobs = await backfill(shop);

    expect(jobs.map((j) => [j.kind, j.status, j.percent, j.linesProcessed, j.objectCount])).toEqual([
      ["customers", "done", 100, 3, 3],
      ["orders", "done", 100, 13, 13],
    ]);
    expect(await stats(db, shop.id)).toEqual(EXPECTED_STATS);
    const alice = await db.profile.findFirstOrThrow({ where: { shopId: shop.id, shopifyCustomerId: ALICE } });
    expect(alice).toMatchObject({ firstName: "Alice", emailConsent: "subscribed", emailConsentAt: new Date("2025-03-01T09:30:00Z") });
    const consent = await db.profile.findMany({ where: { shopId: shop.id }, select: { email: true, emailConsent: true }, orderBy: { email: "asc" } });
    expect(consent.map((p) => p.emailConsent)).toEqual(["subscribed", "unsubscribed", "unknown", "unknown"]);
    const placed = await db.event.findFirstOrThrow({ where: { shopId: shop.id, sourceId: `order:${O1}:placed` } });
    expect(placed).toMatchObject({ profileId: alice.id, valueMinor: 5900n, source: "shopify_backfill" });
    expect(await db.event.count({ where: { shopId: shop.id } })).toBe(EXPECTED_EVENTS);

    // What Shopify was asked: one export each, orders grouped and limited to twelve months.
    expect(fake.operations.map((op) => [op.kind, op.groupObjects])).toEqual([["customers", false], ["orders", true]]);
    expect(fake.operations[1].query).toContain('created_at:>=2025-11-24');
  });

  it("never double counts an order that also arrives as a webhook", async () => {
    const shop = await newShop();
    await backfill(shop);
    const webhook = normalizeOrder("orders/create", O1_WEBHOOK);
    if (!webhook.ok) throw new Error(webhook.error);
    const result = await db.$transaction((tx) => applyNormalized(tx, shop, webhook.value, { source: "shopify_webhook", now: NOW }));
    expect(result.eventsCreated).toBe(0);
    expect(await stats(db, shop.id)).toEqual(EXPECTED_STATS);
    const storeOrders = await db.dailyRollup.aggregate({ where: { shopId: shop.id, metric: "store_orders" }, _sum: { value: true } });
    expect(storeOrders._sum.value).toBe(4n);
  });

  it("resumes after a crash mid-import from linesProcessed, with the right counts and progress", async () => {
    const shop = await newShop();
    const seen: number[] = [];
    const crash = (progress: { kind: string; linesProcessed: number }) => {
      if (progress.kind !== "orders") return;
      seen.push(progress.linesProcessed);
      if (progress.linesProcessed >= 5) throw new Error("simulated crash");
    };
    const a = admin();
    await startBackfill(db, shop, a, options({ batchSize: 3, onBatch: crash }));
    while (seen.length < 2) await advanceBackfill(db, shop, a, options({ batchSize: 3, onBatch: crash }));

    const stuck = await db.backfillJob.findFirstOrThrow({ where: { shopId: shop.id, kind: "orders" } });
    expect(stuck).toMatchObject({ status: "downloading", linesProcessed: 7 }); // two whole batches: lines 0-2 and 3-6
    expect(seen).toEqual([3, 7]);
    expect(jobProgress(stuck).percent).toBe(58); // 10 + 90 * 7/13

    seen.length = 0;
    const jobs = await runBackfill(db, shop, a, options({ batchSize: 3, onBatch: (p) => void (p.kind === "orders" && seen.push(p.linesProcessed)) }));
    expect(seen).toEqual([11, 13]); // the rerun starts after line 7
    expect(jobs.map((j) => j.status)).toEqual(["done", "done"]);
    expect(await stats(db, shop.id)).toEqual(EXPECTED_STATS);
    expect(await db.event.count({ where: { shopId: shop.id } })).toBe(EXPECTED_EVENTS);
    expect(mutations()).toHaveLength(2); // resumed the same result file, no new export
  });

  it("resumes after the download connection drops", async () => {
    const shop = await newShop();
    fake.setResult("customers", []);
    fake.dropNextDownloadAfter(4);
    const seen: number[] = [];
    const jobs = await backfill(shop, { batchSize: 2, onBatch: (p) => void seen.push(p.linesProcessed) });
    expect(seen).toEqual([3, 5, 7, 9, 11, 13]); // the first download died after line 4; the second went on from 3
    expect(fake.downloads).toHaveLength(2);
    expect(jobs.map((j) => [j.kind, j.status, j.objectCount])).toEqual([["customers", "done", 0], ["orders", "done", 13]]);
    expect((await stats(db, shop.id))["alice@example.com"]).toEqual([2, 7900n]);
  });

  it("waits out THROTTLED answers, then succeeds", async () => {
    const shop = await newShop();
    fake.throttleNext(2);
    const jobs = await backfill(shop);
    expect(sleeps).toEqual([60, 60]);
    expect(jobs.map((j) => j.status)).toEqual(["done", "done"]);
    expect(mutations()).toHaveLength(4); // the first one answered THROTTLED twice
    expect(fake.operations).toHaveLength(2);
  });

  it("marks the job failed with Shopify's reason when the bulk operation fails, and can start it again", async () => {
    const shop = await newShop();
    fake.failNextExport("orders", "ACCESS_DENIED");
    const jobs = await backfill(shop);
    expect(jobs.map((j) => [j.kind, j.status])).toEqual([["customers", "done"], ["orders", "failed"]]);
    expect(jobs[1]).toMatchObject({ failed: true, label: "Failed: Shopify's export failed: ACCESS_DENIED" });
    const failed = await db.backfillJob.findFirstOrThrow({ where: { shopId: shop.id, kind: "orders" } });
    expect(failed.error).toBe("Shopify's export failed: ACCESS_DENIED");
    expect(failed.finishedAt).toEqual(NOW);

    const again = await backfill(shop);
    expect(again.map((j) => j.status)).toEqual(["done", "done"]);
    expect(mutations()).toHaveLength(3); // customers kept, orders exported again
  });

  it("starts nothing new while a backfill runs, even when started twice at once", async () => {
    const shop = await newShop();
    const a = admin();
    await Promise.all([startBackfill(db, shop, a, options()), startBackfill(db, shop, a, options())]);
    await startBackfill(db, shop, a, options());
    expect(mutations()).toHaveLength(1);
    const jobs = await db.backfillJob.findMany({ where: { shopId: shop.id }, orderBy: { kind: "asc" } });
    expect(jobs.map((j) => [j.kind, j.status, j.bulkOperationId])).toEqual([
      ["customers", "running", fake.operations[0].id],
      ["orders", "pending", null], // one export at a time per shop
    ]);
  });

  it("reports progress through each phase", async () => {
    const shop = await newShop();
    const a = admin();
    const view = async () => (await listBackfillJobs(db, shop.id)).map((j) => `${j.kind}:${j.status}:${j.percent}`);
    const during: number[] = [];
    const opts = options({
      batchSize: 4,
      onBatch: async (p) => {
        if (p.kind === "orders") during.push((await listBackfillJobs(db, shop.id))[1].percent);
      },
    });

    await startBackfill(db, shop, a, opts);
    expect(await view()).toEqual(["customers:running:5", "orders:pending:0"]);
    await advanceBackfill(db, shop, a, opts); // CREATED
    await advanceBackfill(db, shop, a, opts); // RUNNING
    expect((await listBackfillJobs(db, shop.id))[0].label).toBe("Shopify is exporting customers (1 so far)");
    await advanceBackfill(db, shop, a, opts); // COMPLETED: customers imported, orders export started
    expect(await view()).toEqual(["customers:done:100", "orders:running:5"]);
    await runBackfill(db, shop, a, opts);
    expect(during).toEqual([44, 72, 99]); // batches end at lines 5, 9 and 13 of 13
    expect(await view()).toEqual(["customers:done:100", "orders:done:100"]);
  });

  it("exports again when the result file has expired", async () => {
    const shop = await newShop();
    const a = admin();
    await startBackfill(db, shop, a, options());
    for (let i = 0; i < 2; i++) await advanceBackfill(db, shop, a, options());
    fake.expireResults();
    const outcomes = await advanceBackfill(db, shop, a, options());
    expect(outcomes.find((o) => o.kind === "customers")).toMatchObject({ from: "running", status: "pending", error: expect.stringContaining("HTTP 403") });

    const jobs = await runBackfill(db, shop, a, options());
    expect(jobs.map((j) => j.status)).toEqual(["done", "done"]);
    expect(fake.operations.map((op) => op.kind)).toEqual(["customers", "orders", "customers"]);
    expect(await stats(db, shop.id)).toEqual(EXPECTED_STATS);
  });
});

describe("backfill edge cases", () => {
  it("skips a record it cannot read, says which, and imports the rest", async () => {
    const shop = await newShop();
    fake.setResult("customers", [CUSTOMERS[0], { id: "gid://shopify/Customer/5", updatedAt: "not a date" }, CUSTOMERS[1]]);
    fake.setResult("orders", []);
    const jobs = await backfill(shop);
    expect(jobs.map((j) => [j.kind, j.status, j.linesProcessed])).toEqual([["customers", "done", 3], ["orders", "done", 0]]);
    const customers = await db.backfillJob.findFirstOrThrow({ where: { shopId: shop.id, kind: "customers" } });
    expect(customers.error).toMatch(/^Skipped the record at line 2: backfill customers: updatedAt: not an ISO 8601/);
    expect(await db.profile.count({ where: { shopId: shop.id } })).toBe(2);
  });

  it("waits, without failing, while another export of the app holds Shopify's slot", async () => {
    const shop = await newShop();
    const a = admin();
    await a.request(RUN_BULK_QUERY_MUTATION, { query: "{ orders { edges { node { id } } } }", groupObjects: false });
    const outcomes = await startBackfill(db, shop, a, options());
    expect(outcomes).toEqual([{ kind: "customers", from: "pending", status: "pending" }]);
    const waiting = await db.backfillJob.findFirstOrThrow({ where: { shopId: shop.id, kind: "customers" } });
    expect(waiting.error).toContain("already in progress");

    for (let i = 0; i < 3; i++) await a.request(BULK_OPERATION_QUERY, { id: fake.operations[0].id }); // the other export ends
    const jobs = await runBackfill(db, shop, a, options());
    expect(jobs.map((j) => j.status)).toEqual(["done", "done"]);
    expect(await stats(db, shop.id)).toEqual(EXPECTED_STATS);
  });

  it("a worker round advances every installed shop with unfinished jobs, and no other", async () => {
    const own = await createTestDatabase("sqlite");
    try {
      const live = await newShop(own.prisma);
      const gone = await newShop(own.prisma);
      const done = await newShop(own.prisma);
      const a = admin();
      await startBackfill(own.prisma, live, a, options());
      await own.prisma.backfillJob.create({ data: { shopId: gone.id, kind: "customers" } });
      await own.prisma.shop.update({ where: { id: gone.id }, data: { uninstalledAt: NOW } });
      await own.prisma.backfillJob.create({ data: { shopId: done.id, kind: "customers", status: "done" } });
      const asked = new Set<string>();
      const adminFor = async (domain: string) => (asked.add(domain), a);
      while ((await advanceAllBackfills(own.prisma, adminFor, options())) > 0);
      expect([...asked]).toEqual([live.domain]);
      expect(await stats(own.prisma, live.id)).toEqual(EXPECTED_STATS);
      expect(await own.prisma.backfillJob.findFirst({ where: { shopId: gone.id } })).toMatchObject({ status: "pending" });
    } finally {
      await own.cleanup();
    }
  });
});

describe("backfill on PostgreSQL", () => {
  it("imports the same history with the same numbers", async () => {
    const pg = await createTestDatabase("postgresql");
    try {
      const shop = await newShop(pg.prisma);
      const jobs = await backfill(shop, { batchSize: 5 }, pg.prisma);
      expect(jobs.map((j) => j.status)).toEqual(["done", "done"]);
      expect(await stats(pg.prisma, shop.id)).toEqual(EXPECTED_STATS);
      const alice = await pg.prisma.profile.findFirstOrThrow({ where: { shopId: shop.id, shopifyCustomerId: ALICE } });
      expect(alice.emailConsent).toBe("subscribed");
    } finally {
      await pg.cleanup();
    }
  });
});
