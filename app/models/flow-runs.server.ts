import { Prisma, providerOf, type Db, type DbOrTx } from "../db/client.server";

/** Runs that may be taken: waiting or running, due, and not under another worker's live lease. */
function dueWhere(now: Date) {
  return {
    status: { in: ["waiting", "running"] },
    nextRunAt: { lte: now },
    OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }],
  };
}

/**
 * Claims up to `limit` due runs for `owner` until `now + leaseMs` and returns their ids, oldest due first.
 * PostgreSQL: `FOR UPDATE SKIP LOCKED`, so any number of workers on any number of machines take disjoint
 * batches without waiting on each other. SQLite has a single writer: a conditional update does the same.
 * A run whose lease expired (its worker crashed) is due again.
 */
export async function claimDueRuns(db: Db, owner: string, now: Date, leaseMs: number, limit: number): Promise<string[]> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  if (providerOf(db) === "postgresql") {
    const rows = await db.$queryRaw<Array<{ id: string }>>(Prisma.sql`
      UPDATE "FlowRun" SET "leaseOwner" = ${owner}, "leaseUntil" = ${leaseUntil}
      WHERE "id" IN (
        SELECT "id" FROM "FlowRun"
        WHERE "status" IN ('waiting', 'running') AND "nextRunAt" <= ${now}
          AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})
        ORDER BY "nextRunAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING "id"`);
    return rows.map((r) => r.id);
  }
  const candidates = await db.flowRun.findMany({
    where: dueWhere(now),
    orderBy: { nextRunAt: "asc" },
    take: limit,
    select: { id: true },
  });
  if (candidates.length === 0) return [];
  const ids = candidates.map((c) => c.id);
  await db.flowRun.updateMany({ where: { id: { in: ids }, ...dueWhere(now) }, data: { leaseOwner: owner, leaseUntil } });
  const claimed = await db.flowRun.findMany({
    where: { id: { in: ids }, leaseOwner: owner, leaseUntil },
    orderBy: { nextRunAt: "asc" },
    select: { id: true },
  });
  return claimed.map((c) => c.id);
}

export type RunUpdate = {
  status: "waiting" | "running" | "completed" | "exited" | "failed";
  stepId?: string | null;
  state?: Prisma.InputJsonValue;
  nextRunAt: Date | null;
  exitReason?: string | null;
  completedAt?: Date | null;
};

/**
 * Records a run's step result and releases its lease, only while `owner` still holds it: a worker that stalled
 * past its lease (and whose run was taken by another) cannot overwrite newer progress. False when fenced off.
 */
export async function saveRunStep(db: DbOrTx, runId: string, owner: string, update: RunUpdate): Promise<boolean> {
  const { count } = await db.flowRun.updateMany({
    where: { id: runId, leaseOwner: owner },
    data: { ...update, leaseOwner: null, leaseUntil: null },
  });
  return count === 1;
}
