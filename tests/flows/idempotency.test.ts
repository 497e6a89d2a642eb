// Exactly once: repeated and concurrent worker passes, racing triggers, and a crashed worker, on both databases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../app/db/client.server";
import { claimDueRuns } from "../../app/models/flow-runs.server";
import { switchOnPreset } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { advanceClaimedRun, advanceDueRuns, triggerFlows } from "../../app/worker/flow-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const T0 = new Date("2026-11-20T09:00:00Z");
const at = (hours: number, ms = 0) => new Date(T0.getTime() + hours * 3_600_000 + ms);
const LEASE = 60_000;

/** A shop with the abandoned-checkout flow live and `count` subscribed profiles who each started a checkout at T0. */
async function seed(db: Db, label: string, count: number) {
  const shop = await ensureShop(db, `${label}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
  await switchOnPreset(db, shop.id, "abandoned_checkout");
  for (let i = 0; i < count; i++) {
    const profile = await db.profile.create({
      data: { shopId: shop.id, email: `${label}-${i}@example.com`, firstName: "Ann", emailConsent: "subscribed" },
    });
    await db.event.create({
      data: {
        shopId: shop.id,
        profileId: profile.id,
        name: "Started Checkout",
        occurredAt: T0,
        properties: { checkoutToken: `${label}-tok-${i}`, completedAt: null },
        source: "shopify_webhook",
        sourceId: `checkout:${label}-tok-${i}:started`,
      },
    });
  }
  return shop.id;
}

/** Advances until nothing is due at `now`, in batches of `limit`. */
async function drainRuns(db: Db, owner: string, now: Date, limit = 3) {
  let queued = 0;
  for (;;) {
    const summary = await advanceDueRuns(db, { owner, now, limit, leaseMs: LEASE });
    queued += summary.queued;
    if (summary.claimed === 0) return queued;
  }
}

async function messageKeys(db: Db, shopId: string) {
  const rows = await db.message.findMany({ where: { shopId }, select: { idempotencyKey: true, stepId: true } });
  return rows.map((r) => r.idempotencyKey);
}

describe.each(["sqlite", "postgresql"] as const)("exactly once on %s", (provider) => {
  let database: TestDatabase;
  let second: Db;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    // PostgreSQL: a second client, as a second machine would have. SQLite is one process with one client (its
    // driver is synchronous, so two clients in one process would block each other's locks): two workers share it.
    second = provider === "postgresql" ? createPrismaClient(database.url) : database.prisma;
  });
  afterAll(async () => {
    if (second !== database?.prisma) await second?.$disconnect();
    await database?.cleanup();
  });

  it("starts one run per trigger event even when two workers trigger at once", async () => {
    const db = database.prisma;
    const shopId = await seed(db, `race-${provider}`, 12);
    const now = at(0, 60_000);
    const [a, b] = await Promise.all([
      triggerFlows(db, { shopId, since: new Date(0), now }),
      triggerFlows(second, { shopId, since: new Date(0), now }),
    ]);
    expect(a.started + b.started).toBe(12);
    expect(await db.flowRun.count({ where: { shopId } })).toBe(12);
    const again = await triggerFlows(db, { shopId, since: new Date(0), now });
    expect(again).toMatchObject({ started: 0, refused: { already_triggered: 12 } });
  });

  it("queues each email once: repeated and concurrent passes with different owners", async () => {
    const db = database.prisma;
    const shopId = await seed(db, `twice-${provider}`, 10);
    await triggerFlows(db, { shopId, since: new Date(0), now: at(0, 60_000) });
    await drainRuns(db, "solo", at(0, 60_000));

    await Promise.all([drainRuns(db, "worker-a", at(4)), drainRuns(second, "worker-b", at(4))]);
    expect(await messageKeys(db, shopId)).toHaveLength(10);
    expect(await drainRuns(db, "worker-a", at(4))).toBe(0); // the same `now` again: nothing new
    expect(await messageKeys(db, shopId)).toHaveLength(10);
    for (const hour of [24, 48, 72]) {
      await Promise.all([drainRuns(db, "worker-a", at(hour)), drainRuns(second, "worker-b", at(hour))]);
      await Promise.all([drainRuns(db, "worker-a", at(hour)), drainRuns(second, "worker-b", at(hour))]);
    }
    const keys = await messageKeys(db, shopId);
    expect(keys).toHaveLength(30); // three reminders each
    expect(new Set(keys).size).toBe(30);
    expect(await db.flowRun.count({ where: { shopId, status: "completed" } })).toBe(10);
  });

  it("lets another worker finish a run whose worker crashed after claiming it; the stale worker is fenced off", async () => {
    const db = database.prisma;
    const shopId = await seed(db, `crash-${provider}`, 1);
    await triggerFlows(db, { shopId, since: new Date(0), now: at(0, 60_000) });
    await drainRuns(db, "solo", at(0, 60_000));
    const run = await db.flowRun.findFirstOrThrow({ where: { shopId } });

    // Claims serve every shop: leave only this run due.
    await db.flowRun.updateMany({ where: { id: { not: run.id }, status: "waiting" }, data: { status: "completed" } });
    expect(await claimDueRuns(db, "crashed", at(4), LEASE, 10)).toEqual([run.id]);
    expect(await advanceDueRuns(second, { owner: "other", now: at(4, 1000), leaseMs: LEASE })).toMatchObject({ claimed: 0 });
    expect(await messageKeys(db, shopId)).toHaveLength(0);

    expect(await advanceDueRuns(second, { owner: "other", now: at(4, LEASE + 1), leaseMs: LEASE })).toMatchObject({ claimed: 1, queued: 1 });
    // The crashed worker wakes up and tries to finish its step: fenced, nothing written.
    expect(await advanceClaimedRun(db, run.id, "crashed", at(4, LEASE + 2))).toEqual({ outcome: "fenced", queued: 0, skipped: 0 });

    // A worker that stalls past its lease while another takes the run: its transaction rolls back.
    const due = await db.flowRun.findUniqueOrThrow({ where: { id: run.id } });
    const next = due.nextRunAt!;
    expect(await claimDueRuns(db, "slow", next, LEASE, 10)).toEqual([run.id]);
    const later = new Date(next.getTime() + LEASE + 1);
    expect(await claimDueRuns(second, "fresh", later, LEASE, 10)).toEqual([run.id]);
    const [slow, fresh] = await Promise.all([
      advanceClaimedRun(db, run.id, "slow", later),
      advanceClaimedRun(second, run.id, "fresh", later),
    ]);
    expect(slow.outcome).toBe("fenced");
    expect(fresh).toMatchObject({ outcome: "advanced", queued: 1 });

    await drainRuns(db, "solo", at(200));
    const keys = await messageKeys(db, shopId);
    expect(keys.map((k) => k.split(":")[1]).sort()).toEqual(["checkout_1", "checkout_2", "checkout_3"]);
    expect(await db.flowRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "completed", leaseOwner: null });
  });
});
