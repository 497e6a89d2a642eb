/**
 * Imports a shop's history (customers, last year's orders) through Shopify bulk operations:
 * pending -> running (Shopify exports) -> downloading (we apply the JSONL in batches) -> done | failed.
 * Every step is safe to repeat and to run from several processes; a crash resumes from linesProcessed.
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { z } from "zod";
import { startLoop } from "../worker/loop";
import { Prisma, type BackfillJob, type Db } from "../db/client.server";
import { normalizeBackfilledCustomer } from "../domain/backfill/customers";
import { createRecordAssembler, parseJsonlLine, type BulkRecord } from "../domain/backfill/jsonl";
import { normalizeBackfilledOrder } from "../domain/backfill/orders";
import { jobProgress, type JobProgress } from "../domain/backfill/progress";
import {
  BACKFILL_KINDS,
  BULK_OPERATION_QUERY,
  bulkQueryFor,
  isBackfillKind,
  RUN_BULK_QUERY_MUTATION,
} from "../domain/backfill/queries";
import type { Normalized, NormalizeResult } from "../domain/events/types";
import type { AdminGraphql, FetchApi } from "../services/shopify-admin.server";
import { applyNormalized } from "./ingest.server";

type ShopRef = { id: string; currency: string; timezone: string };

export type BackfillOptions = {
  now?: () => Date;
  /** JSONL lines applied per transaction (a record is never split). */
  batchSize?: number;
  /** Downloads the result file (a signed URL, no Shopify credentials). */
  fetchResult?: FetchApi;
  /** Called after each committed batch; throwing here is how tests crash an import. */
  onBatch?: (progress: { kind: string; linesProcessed: number }) => void | Promise<void>;
  /** A job claimed for starting but without a bulk operation id for this long is started again. */
  staleClaimMs?: number;
};

/** One step of one job: the status it was in (`from`), the one it is in now, and what went wrong if anything. */
export type StepOutcome = { kind: string; from: string; status: string; error?: string };
type Step = Omit<StepOutcome, "from">;

const SOURCE = "shopify_backfill";
const ACTIVE = ["pending", "running", "downloading"];
const KIND_ORDER = new Map<string, number>(BACKFILL_KINDS.map((kind, i) => [kind, i]));

const bulkOperationSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  errorCode: z.string().nullish(),
  objectCount: z.union([z.string().regex(/^\d+$/), z.number().int()]).nullish().transform((n) => (n == null ? null : Number(n))),
  url: z.string().nullish(),
  partialDataUrl: z.string().nullish(),
});
const runPayloadSchema = z.object({
  bulkOperationRunQuery: z.looseObject({
    bulkOperation: bulkOperationSchema.nullish(),
    userErrors: z.array(z.looseObject({ message: z.string(), code: z.string().nullish() })),
  }),
});
const pollPayloadSchema = z.object({ node: bulkOperationSchema.nullish() });

const byKind = (a: { kind: string }, b: { kind: string }) => (KIND_ORDER.get(a.kind) ?? 99) - (KIND_ORDER.get(b.kind) ?? 99);

/**
 * Creates the shop's backfill jobs (a failed one is reset, a done one kept unless `restart`) and starts the first
 * export. Call it after install; a second call while jobs are active starts nothing new.
 */
export async function startBackfill(
  db: Db,
  shop: ShopRef,
  admin: AdminGraphql,
  options: BackfillOptions & { restart?: boolean } = {},
): Promise<StepOutcome[]> {
  const now = (options.now ?? (() => new Date()))();
  const fresh = { status: "pending", bulkOperationId: null, resultUrl: null, linesProcessed: 0, objectCount: null, error: null, startedAt: now, finishedAt: null };
  for (const kind of BACKFILL_KINDS) {
    try {
      await db.backfillJob.create({ data: { shopId: shop.id, kind, ...fresh } });
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
      const restartable = options.restart ? ["failed", "done"] : ["failed"];
      await db.backfillJob.updateMany({ where: { shopId: shop.id, kind, status: { in: restartable } }, data: fresh });
    }
  }
  return advanceBackfill(db, shop, admin, options);
}

/**
 * Moves each of the shop's unfinished jobs one step: starts an export (one at a time per shop, customers first),
 * polls a running one, imports a completed one. Call it from a worker, a poll loop or bulk_operations/finish.
 */
export async function advanceBackfill(db: Db, shop: ShopRef, admin: AdminGraphql, options: BackfillOptions = {}) {
  const outcomes = new Map<string, StepOutcome>();
  // Exports first (quick calls), so the next export runs at Shopify while we import the previous one.
  const exports = (await db.backfillJob.findMany({ where: { shopId: shop.id, status: { in: ["pending", "running"] } } })).sort(byKind);
  let exporting = false;
  for (const job of exports.filter((j) => j.status === "running")) {
    const outcome = await pollExport(db, job, admin, options);
    outcomes.set(job.kind, { ...outcome, from: job.status });
    if (outcome.status === "running") exporting = true;
  }
  // One export at a time per shop (within every API version's limit): the next pending job, unless it fails at once.
  for (const job of exporting ? [] : exports.filter((j) => j.status === "pending")) {
    const outcome = await startExport(db, job, admin, options);
    outcomes.set(job.kind, { ...outcome, from: job.status });
    if (outcome.status !== "failed") break;
  }
  const imports = (await db.backfillJob.findMany({ where: { shopId: shop.id, status: "downloading" } })).sort(byKind);
  for (const job of imports) {
    const outcome = await importResult(db, shop, job, options);
    outcomes.set(job.kind, { ...outcome, from: outcomes.get(job.kind)?.from ?? job.status });
  }
  return [...outcomes.values()];
}

/** Advances until every job is done or failed, waiting `pollIntervalMs` whenever a round changed nothing. */
export async function runBackfill(
  db: Db,
  shop: ShopRef,
  admin: AdminGraphql,
  options: BackfillOptions & { pollIntervalMs?: number; sleep?: (ms: number) => Promise<void>; maxConsecutiveErrors?: number } = {},
) {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const errors = new Map<string, number>();
  while ((await db.backfillJob.count({ where: { shopId: shop.id, status: { in: ACTIVE } } })) > 0) {
    const outcomes = await advanceBackfill(db, shop, admin, options);
    for (const outcome of outcomes) {
      const count = outcome.error && ACTIVE.includes(outcome.status) ? (errors.get(outcome.kind) ?? 0) + 1 : 0;
      errors.set(outcome.kind, count);
      if (count >= (options.maxConsecutiveErrors ?? 10)) {
        await markFailed(db, shop.id, outcome.kind, `Gave up after ${count} attempts: ${outcome.error}`, options);
      }
    }
    if (outcomes.every((o) => o.from === o.status)) await sleep(options.pollIntervalMs ?? 5_000);
  }
  return listBackfillJobs(db, shop.id);
}

/** For a worker: advances every installed shop's unfinished backfill, with an Admin client per shop; returns how many. */
export async function advanceAllBackfills(db: Db, adminFor: (shopDomain: string) => Promise<AdminGraphql>, options: BackfillOptions = {}) {
  const shops = await db.shop.findMany({
    where: { uninstalledAt: null, backfills: { some: { status: { in: ACTIVE } } } },
    select: { id: true, domain: true, currency: true, timezone: true },
  });
  for (const shop of shops) {
    try {
      await advanceBackfill(db, shop, await adminFor(shop.domain), options);
    } catch (error) {
      console.error(`backfill ${shop.domain}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return shops.length;
}

/** Runs advanceAllBackfills every `intervalMs` until stopped (the same shape as the inbox worker). */
export function startBackfillWorker(
  db: Db,
  adminFor: (shopDomain: string) => Promise<AdminGraphql>,
  options: BackfillOptions & { intervalMs?: number } = {},
) {
  return startLoop(
    "backfill worker",
    async () => {
      await advanceAllBackfills(db, adminFor, options);
      return false;
    },
    options.intervalMs ?? 10_000,
  );
}

export type BackfillJobView = JobProgress & { linesProcessed: number; objectCount: number | null; startedAt: Date; finishedAt: Date | null };

/** The shop's jobs with their progress, customers first. */
export async function listBackfillJobs(db: Db, shopId: string): Promise<BackfillJobView[]> {
  const jobs = (await db.backfillJob.findMany({ where: { shopId } })).sort(byKind);
  return jobs.map((job) => ({
    ...jobProgress(job),
    linesProcessed: job.linesProcessed,
    objectCount: job.objectCount,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  }));
}

async function markFailed(db: Db, shopId: string, kind: string, error: string, options: BackfillOptions) {
  const now = (options.now ?? (() => new Date()))();
  await db.backfillJob.updateMany({
    where: { shopId, kind, status: { in: ACTIVE } },
    data: { status: "failed", error, finishedAt: now },
  });
}

async function startExport(db: Db, job: BackfillJob, admin: AdminGraphql, options: BackfillOptions): Promise<Step> {
  const kind = job.kind;
  if (!isBackfillKind(kind)) return fail(db, job, `Unknown backfill kind ${kind}`, options);
  const claimed = await db.backfillJob.updateMany({
    where: { id: job.id, status: "pending" },
    data: { status: "running", bulkOperationId: null, resultUrl: null, linesProcessed: 0, objectCount: null, error: null },
  });
  if (claimed.count === 0) return { kind, status: "pending" }; // another process took it
  const now = (options.now ?? (() => new Date()))();
  const result = await admin.request(RUN_BULK_QUERY_MUTATION, bulkQueryFor(kind, now));
  if (!result.ok) {
    if (!result.retryable) return fail(db, job, `Could not start the export: ${result.error}`, options);
    return release(db, job, `Starting the export: ${result.error}`);
  }
  const payload = runPayloadSchema.safeParse(result.data);
  if (!payload.success) return fail(db, job, `Unexpected bulkOperationRunQuery answer: ${payload.error.message}`, options);
  const { bulkOperation, userErrors } = payload.data.bulkOperationRunQuery;
  if (userErrors.some((e) => e.code === "OPERATION_IN_PROGRESS" || e.code === "LIMIT_REACHED")) {
    // Busy with another of this app's exports: a wait, not a failure (the note shows, nothing counts it as an error).
    await release(db, job, `Waiting for another export: ${userErrors.map((e) => e.message).join("; ")}`);
    return { kind, status: "pending" };
  }
  if (userErrors.length > 0 || !bulkOperation) {
    return fail(db, job, `Shopify refused the export: ${userErrors.map((e) => e.message).join("; ") || "no operation"}`, options);
  }
  await db.backfillJob.updateMany({ where: { id: job.id, status: "running" }, data: { bulkOperationId: bulkOperation.id } });
  return { kind, status: "running" };
}

async function pollExport(db: Db, job: BackfillJob, admin: AdminGraphql, options: BackfillOptions): Promise<Step> {
  const kind = job.kind;
  const now = (options.now ?? (() => new Date()))();
  if (!job.bulkOperationId) {
    // Claimed by a process that died before Shopify answered: start again once the claim is stale.
    if (now.getTime() - job.updatedAt.getTime() < (options.staleClaimMs ?? 10 * 60_000)) return { kind, status: "running" };
    return release(db, job, null);
  }
  const result = await admin.request(BULK_OPERATION_QUERY, { id: job.bulkOperationId });
  if (!result.ok) {
    if (!result.retryable) return fail(db, job, `Could not read the export's status: ${result.error}`, options);
    return { kind, status: "running", error: result.error };
  }
  const payload = pollPayloadSchema.safeParse(result.data);
  if (!payload.success) return fail(db, job, `Unexpected bulk operation answer: ${payload.error.message}`, options);
  const op = payload.data.node;
  if (!op) return fail(db, job, `Bulk operation ${job.bulkOperationId} not found`, options);
  const where = { id: job.id, status: "running", bulkOperationId: job.bulkOperationId };
  switch (op.status) {
    case "CREATED":
    case "RUNNING":
    case "CANCELING":
      await db.backfillJob.updateMany({ where, data: { objectCount: op.objectCount } });
      return { kind, status: "running" };
    case "COMPLETED": {
      // No url: the export matched nothing.
      const data = op.url
        ? { status: "downloading", resultUrl: op.url, objectCount: op.objectCount, linesProcessed: 0 }
        : { status: "done", objectCount: 0, finishedAt: now };
      await db.backfillJob.updateMany({ where, data });
      return { kind, status: data.status };
    }
    case "EXPIRED": // the result file is gone before we read it: export again
      return release(db, job, "The export's result expired; exporting again");
    case "FAILED":
      return fail(db, job, `Shopify's export failed: ${op.errorCode ?? "no error code"}`, options);
    case "CANCELED":
      return fail(db, job, "The export was canceled", options);
    default:
      return { kind, status: "running", error: `Unknown bulk operation status ${op.status}` };
  }
}

/** Back to pending (a transient failure or a busy shop); the next step tries again. */
async function release(db: Db, job: BackfillJob, error: string | null): Promise<Step> {
  await db.backfillJob.updateMany({
    where: { id: job.id, status: { in: ACTIVE } },
    data: { status: "pending", bulkOperationId: null, resultUrl: null, linesProcessed: 0, objectCount: null, error },
  });
  return { kind: job.kind, status: "pending", ...(error ? { error } : {}) };
}

async function fail(db: Db, job: BackfillJob, error: string, options: BackfillOptions): Promise<Step> {
  const now = (options.now ?? (() => new Date()))();
  await db.backfillJob.updateMany({ where: { id: job.id, status: { in: ACTIVE } }, data: { status: "failed", error, finishedAt: now } });
  return { kind: job.kind, status: "failed", error };
}

class LostClaim extends Error {}

/** Streams the result file from linesProcessed on and applies it batch by batch, each batch one transaction. */
async function importResult(db: Db, shop: ShopRef, job: BackfillJob, options: BackfillOptions): Promise<Step> {
  const kind = job.kind;
  if (!job.resultUrl || !isBackfillKind(kind)) return fail(db, job, "Nothing to download", options);
  const now = options.now ?? (() => new Date());
  const batchSize = Math.max(1, options.batchSize ?? 250);
  let response: Response;
  try {
    response = await (options.fetchResult ?? fetch)(job.resultUrl);
  } catch (error) {
    return { kind, status: "downloading", error: `Download failed: ${message(error)}` };
  }
  if ([403, 404, 410].includes(response.status)) return release(db, job, `The result file is gone (HTTP ${response.status}); exporting again`);
  if (!response.ok || !response.body) return { kind, status: "downloading", error: `Download failed: HTTP ${response.status}` };

  let committed = job.linesProcessed;
  let batch: Normalized[] = [];
  let batchEnd = committed;
  let skipped: string | null = null;
  const commit = async () => {
    if (batchEnd === committed) return;
    const from = committed;
    await db.$transaction(
      async (tx) => {
        // Taken first: it locks the job row, so a second importer waits here and then finds it moved on.
        const moved = await tx.backfillJob.updateMany({
          where: { id: job.id, status: "downloading", linesProcessed: from },
          data: { linesProcessed: batchEnd, ...(skipped ? { error: skipped } : {}) },
        });
        if (moved.count === 0) throw new LostClaim();
        for (const n of batch) await applyNormalized(tx, shop, n, { source: SOURCE, now: now() });
      },
      { maxWait: 30_000, timeout: 300_000 },
    );
    committed = batchEnd;
    batch = [];
    await options.onBatch?.({ kind, linesProcessed: committed });
  };
  const take = async (record: BulkRecord) => {
    const result: NormalizeResult =
      kind === "customers" ? normalizeBackfilledCustomer(record.parent) : normalizeBackfilledOrder(record.parent, record.children);
    if (result.ok) batch.push(result.value);
    else skipped = `Skipped the record at line ${record.firstLine + 1}: ${result.error}`;
    batchEnd = record.endLine;
    if (batchEnd - committed >= batchSize) await commit();
  };

  const lines = createInterface({ input: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), crlfDelay: Infinity });
  const records = createRecordAssembler();
  let index = 0;
  try {
    for await (const text of lines) {
      const at = index++;
      if (at < job.linesProcessed) continue;
      if (text.trim() === "") continue;
      const record = records.push(parseJsonlLine(text, at), at);
      if (record) await take(record);
    }
    const last = records.finish();
    if (last) await take(last);
    batchEnd = Math.max(batchEnd, index);
    await commit();
  } catch (error) {
    lines.close();
    if (error instanceof LostClaim) return { kind, status: "downloading" };
    return { kind, status: "downloading", error: `Import stopped at line ${committed}: ${message(error)}` };
  }
  await db.backfillJob.updateMany({
    where: { id: job.id, status: "downloading", linesProcessed: committed },
    data: { status: "done", finishedAt: now() },
  });
  return { kind, status: "done" };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
