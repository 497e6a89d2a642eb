import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../app/db/client.server";
import { claimDueRuns, saveRunStep } from "../../app/models/flow-runs.server";
import { ensureShop } from "../../app/models/shop.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const T0 = new Date("2026-11-24T12:00:00Z");
const LEASE = 60_000;

async function seedRuns(db: Db, label: string, due: number) {
  const shop = await ensureShop(db, `${label}.myshopify.com`);
  const profile = await db.profile.create({ data: { shopId: shop.id, email: `${label}@example.com` } });
  const flow = await db.flow.create({ data: { shopId: shop.id, name: "Abandoned checkout", preset: "abandoned_checkout" } });
  const version = await db.flowVersion.create({ data: { shopId: shop.id, flowId: flow.id, version: 1, definition: {} } });
  const base = { shopId: shop.id, flowId: flow.id, flowVersionId: version.id, profileId: profile.id, state: {} };
  await db.flowRun.createMany({
    data: [
      ...Array.from({ length: due }, (_, i) => ({ ...base, nextRunAt: new Date(T0.getTime() - i * 1000) })),
      { ...base, nextRunAt: new Date(T0.getTime() + 3_600_000) }, // not due yet
      { ...base, status: "completed", nextRunAt: new Date(T0.getTime() - 5000) }, // finished
      { ...base, nextRunAt: new Date(T0.getTime() - 5000), leaseOwner: "alive", leaseUntil: new Date(T0.getTime() + 30_000) },
      { ...base, nextRunAt: new Date(T0.getTime() - 5000), leaseOwner: "crashed", leaseUntil: new Date(T0.getTime() - 1) },
    ],
  });
  const ids = await db.flowRun.findMany({ where: { shopId: shop.id }, select: { id: true, leaseOwner: true, status: true, nextRunAt: true } });
  const claimable = ids.filter((r) => r.status === "waiting" && r.nextRunAt! <= T0 && r.leaseOwner !== "alive").map((r) => r.id);
  return { shopId: shop.id, claimable };
}

async function claimUntilEmpty(db: Db, owner: string) {
  const mine: string[] = [];
  for (;;) {
    const batch = await claimDueRuns(db, owner, T0, LEASE, 7);
    if (batch.length === 0) return mine;
    mine.push(...batch);
  }
}

describe.each(["sqlite", "postgresql"] as const)("claiming due flow runs on %s", (provider) => {
  let database: TestDatabase;
  let second: Db;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    second = createPrismaClient(database.url);
  });
  afterAll(async () => {
    await second?.$disconnect();
    await database?.cleanup();
  });

  it("gives two concurrent workers disjoint batches that together cover every due run", async () => {
    const { claimable } = await seedRuns(database.prisma, `claim-${provider}`, 120);
    const [a, b] = await Promise.all([claimUntilEmpty(database.prisma, "worker-a"), claimUntilEmpty(second, "worker-b")]);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect([...a, ...b].sort()).toEqual([...claimable].sort());
    expect(new Set(a).size).toBe(a.length);
    // A crashed worker's run is taken again; a live lease, a future run and a finished one are not.
    expect(claimable).toHaveLength(121);
  });

  it("fences off a worker whose lease ran out and whose run another worker took", async () => {
    const db = database.prisma;
    const { shopId } = await seedRuns(db, `fence-${provider}`, 1);
    const run = await db.flowRun.findFirstOrThrow({ where: { shopId, nextRunAt: T0 } });
    // Claims serve every shop: leave only this run waiting in the whole database.
    await db.flowRun.updateMany({ where: { id: { not: run.id } }, data: { status: "completed" } });
    expect(await claimDueRuns(db, "slow", T0, LEASE, 10)).toEqual([run.id]);
    const later = new Date(T0.getTime() + LEASE + 1);
    expect(await claimDueRuns(second, "fresh", later, LEASE, 10)).toEqual([run.id]);
    const next = { status: "waiting" as const, nextRunAt: new Date(later.getTime() + 3_600_000), stepId: "email_2" };
    expect(await saveRunStep(db, run.id, "slow", next)).toBe(false);
    expect(await saveRunStep(second, run.id, "fresh", next)).toBe(true);
    expect(await db.flowRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ stepId: "email_2", leaseOwner: null });
  });
});
