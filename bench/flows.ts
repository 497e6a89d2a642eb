import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPrismaClient, type Db, type Prisma } from "../app/db/client.server";
import { startRun } from "../app/domain/flows/entry";
import { DEFAULT_FLOW_SETTINGS } from "../app/domain/flows/run";
import { claimDueRuns, saveRunStep } from "../app/models/flow-runs.server";
import { storedDefinition, switchOnPreset } from "../app/models/flow-definitions.server";
import { ensureShop } from "../app/models/shop.server";
import { advanceDueRuns } from "../app/worker/flow-worker.server";
import { createTestDatabase, type TestDatabase } from "../tests/helpers/db";
import { printTable, seeded, type Row } from "./lib";

/**
 * npm run bench:flows — 100,000 profiles enter the abandoned-checkout flow (bulk-inserted: profiles, their
 * Started Checkout events and the runs the trigger would start, seeded), then worker PROCESSES advance the runs due
 * at the first reminder (4 h: delay -> send email, queued in the step's transaction -> A/B split -> wait), on a
 * fresh SQLite file (one worker) and a fresh PostgreSQL schema (one worker, then two). Each configuration runs
 * for BENCH_SECONDS or its share of the runs. The ceiling, same run and database: a worker that claims the same
 * way and writes what a step writes (a fenced save and a message) but reads and decides nothing.
 */
const PROFILES = Number(process.env.BENCH_PROFILES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
/** BENCH_PROFILE=1: workers write V8 CPU profiles, and the hottest functions are printed. */
const PROFILE = process.env.BENCH_PROFILE === "1";
const SEED = 20261120;
const T0 = new Date("2026-11-20T09:00:00Z");
const DUE_AT = new Date(T0.getTime() + 4 * 3_600_000);
const LEASE_MS = 10 * 60_000;
const CHUNK = 2_000;
const SELF = fileURLToPath(import.meta.url);

type Mode = "flow" | "ceiling";
type WorkerConfig = { databaseUrl: string; owner: string; mode: Mode; seconds: number; maxSteps: number };
type WorkerResult = { steps: number; fenced: number; failed: number; seconds: number; maxRssMb: number };

// ---------------------------------------------------------------------------------------------------------------
// The worker process: one warm-up batch, "ready", then steps until its time or its share is used up.

async function runWorker() {
  const config = JSON.parse(process.env.BENCH_FLOWS_WORKER!) as WorkerConfig;
  const db = createPrismaClient(config.databaseUrl);
  const step = config.mode === "flow" ? (limit: number) => flowBatch(db, config.owner, limit) : (limit: number) => ceilingBatch(db, config.owner, limit);
  await step(Math.min(BATCH, 10)); // connections, JIT, caches: not measured
  process.send!({ kind: "ready" });
  await new Promise((resolve) => process.once("message", resolve));
  const result: WorkerResult = { steps: 0, fenced: 0, failed: 0, seconds: 0, maxRssMb: 0 };
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  while (elapsed() < config.seconds && result.steps < config.maxSteps) {
    const batch = await step(Math.min(BATCH, config.maxSteps - result.steps));
    result.steps += batch.steps;
    result.fenced += batch.fenced;
    result.failed += batch.failed;
    if (batch.claimed === 0) break;
  }
  result.seconds = elapsed();
  result.maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.send!({ kind: "done", result });
  await db.$disconnect();
  process.disconnect();
}

async function flowBatch(db: Db, owner: string, limit: number) {
  const s = await advanceDueRuns(db, { owner, now: DUE_AT, limit, leaseMs: LEASE_MS });
  return { claimed: s.claimed, steps: s.advanced, fenced: s.fenced, failed: s.failed };
}

/** What a step must write at least, with nothing read: the claim, then per run a fenced save and a message. */
async function ceilingBatch(db: Db, owner: string, limit: number) {
  const ids = await claimDueRuns(db, owner, DUE_AT, LEASE_MS, limit);
  let steps = 0;
  for (const id of ids) {
    const saved = await db.$transaction(async (tx) => {
      const ok = await saveRunStep(tx, id, owner, { status: "waiting", stepId: "wait_24_hours", nextRunAt: new Date(DUE_AT.getTime() + 86_400_000) });
      if (ok) await tx.message.create({ data: { shopId: "ceiling", profileId: "ceiling", idempotencyKey: `${id}:ceiling`, toEmail: "c@example.com", subject: "c" } });
      return ok;
    });
    if (saved) steps++;
  }
  return { claimed: ids.length, steps, fenced: ids.length - steps, failed: 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Data: 100,000 profiles who started a checkout in the hour before T0, and their runs, as the trigger makes them.

async function seed(db: Db) {
  const shop = await ensureShop(db, "bench-flows.myshopify.com", new Date("2026-01-01T00:00:00Z"));
  const flow = await switchOnPreset(db, shop.id, "abandoned_checkout");
  const version = await db.flowVersion.findUniqueOrThrow({ where: { id: flow.currentVersionId! } });
  const definition = storedDefinition(version.definition);
  // A ceiling worker's messages need a shop and a profile to point at.
  await db.shop.create({ data: { id: "ceiling", domain: "ceiling.myshopify.com", name: "ceiling" } });
  await db.profile.create({ data: { id: "ceiling", shopId: "ceiling" } });
  const random = seeded(SEED);
  const names = ["Ann", "Bo", "Chidi", "Dana", "Eero", "Fatima", "Goran", "Hana"];
  for (let start = 0; start < PROFILES; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, PROFILES - start) }, (_, j) => {
      const i = start + j;
      const occurredAt = new Date(T0.getTime() - Math.floor(random() * 3_600_000));
      const enteredAt = new Date(occurredAt.getTime() + 30_000);
      const token = `bench-${i.toString(36)}-${Math.floor(random() * 1e9).toString(36)}`;
      const properties = { checkoutToken: token, completedAt: null, totalPrice: `${20 + Math.floor(random() * 180)}.00`, abandonedCheckoutUrl: `https://bench.example/checkouts/${token}` };
      const profileId = `bp${i}`;
      const event = { id: `be${i}`, name: "Started Checkout", occurredAt, properties };
      const state = startRun({ definition, version: version.version, runId: `br${i}`, flowId: flow.id, profileId, trigger: event, now: enteredAt, settings: DEFAULT_FLOW_SETTINGS });
      return { i, profileId, event, enteredAt, state, firstName: names[Math.floor(random() * names.length)] };
    });
    await db.profile.createMany({
      data: rows.map((r) => ({ id: r.profileId, shopId: shop.id, email: `buyer${r.i}@bench.example`, firstName: r.firstName, emailConsent: "subscribed" })),
    });
    await db.event.createMany({
      data: rows.map((r) => ({
        id: r.event.id, shopId: shop.id, profileId: r.profileId, name: r.event.name, occurredAt: r.event.occurredAt, receivedAt: r.event.occurredAt,
        properties: r.event.properties, source: "shopify_webhook", sourceId: `checkouts/create:${r.event.properties.checkoutToken}:Started Checkout`,
      })),
    });
    await db.flowRun.createMany({
      data: rows.map((r) => ({
        id: r.state.runId, shopId: shop.id, flowId: flow.id, flowVersionId: version.id, profileId: r.profileId, status: "waiting",
        stepId: r.state.stepId, state: r.state as unknown as Prisma.InputJsonValue, holdout: r.state.holdout, triggerEventId: r.event.id,
        enteredAt: r.enteredAt, nextRunAt: r.enteredAt,
      })),
    });
  }
  return shop.id;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

type Measured = { stepsPerSecond: number; steps: number; fenced: number; failed: number; seconds: number; workers: WorkerResult[] };

async function measure(database: TestDatabase, mode: Mode, workers: number, maxSteps: number, profileDir: string | null): Promise<Measured> {
  const children: ChildProcess[] = [];
  try {
    const ready: Array<Promise<void>> = [];
    const done: Array<Promise<WorkerResult>> = [];
    for (let w = 0; w < workers; w++) {
      const config: WorkerConfig = { databaseUrl: database.url, owner: `${mode}-${workers}-${w}`, mode, seconds: SECONDS, maxSteps: Math.floor(maxSteps / workers) };
      const child = fork(SELF, ["--worker"], {
        execArgv: ["--import", "tsx", ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])],
        env: { ...process.env, BENCH_FLOWS_WORKER: JSON.stringify(config) },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`worker exited with ${code}`))));
      const next = (kind: string) => Promise.race([new Promise<{ kind: string; result?: WorkerResult }>((resolve) => child.on("message", (m: { kind: string }) => m.kind === kind && resolve(m))), exited]);
      ready.push(next("ready").then(() => undefined));
      done.push(next("done").then((m) => m.result!));
    }
    await Promise.all(ready);
    for (const child of children) child.send({ kind: "go" });
    const results = await Promise.all(done);
    const seconds = Math.max(...results.map((r) => r.seconds));
    const sum = (key: "steps" | "fenced" | "failed") => results.reduce((n, r) => n + r[key], 0);
    return { stepsPerSecond: sum("steps") / seconds, steps: sum("steps"), fenced: sum("fenced"), failed: sum("failed"), seconds, workers: results };
  } finally {
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  }
}

const perSecond = (m: Measured) => `${m.stepsPerSecond.toFixed(0)}/s`;
const detail = (m: Measured) => `${perSecond(m)} (${m.steps} steps in ${m.seconds.toFixed(1)} s${m.fenced || m.failed ? `, ${m.fenced} fenced, ${m.failed} failed` : ""})`;
const rss = (m: Measured) => m.workers.map((w) => `${w.maxRssMb.toFixed(0)} MB`).join(", ");

/** The hottest functions by self time across the profiles in `dir`, with their file:line. */
function hottest(dir: string, top = 15): string[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
      samples: number[];
      timeDeltas: number[];
    };
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    profile.samples.forEach((id, i) => {
      const f = frames.get(id)!;
      const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^file:\/\/.*?\/(app|node_modules|bench)\//, "$1/")}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]);
      total += profile.timeDeltas[i];
    });
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
}

async function main() {
  const rows: Row[] = [];
  const profileDir = PROFILE ? mkdtempSync(path.join(os.tmpdir(), "bench-flows-prof-")) : null;
  const databases: TestDatabase[] = [];
  const started = Date.now();
  try {
    const sqlite = await createTestDatabase("sqlite");
    databases.push(sqlite);
    await seed(sqlite.prisma);
    console.error(`sqlite seeded with ${PROFILES} runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const sqliteCeiling = await measure(sqlite, "ceiling", 1, PROFILES / 2, null);
    const sqliteOne = await measure(sqlite, "flow", 1, PROFILES / 2, profileDir);
    await sqlite.cleanup();

    const pg = await createTestDatabase("postgresql");
    databases.push(pg);
    await seed(pg.prisma);
    console.error(`postgresql seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const pgCeiling = await measure(pg, "ceiling", 1, PROFILES / 4, null);
    const pgOne = await measure(pg, "flow", 1, PROFILES / 4, null);
    const pgTwo = await measure(pg, "flow", 2, PROFILES / 2, null);
    const queued = await pg.prisma.message.count({ where: { shopId: { not: "ceiling" } } });
    await pg.cleanup();

    const target = (m: Measured, workers: number) => m.stepsPerSecond / workers >= 2000 && m.failed === 0;
    const rowFor = (measure: string, m: Measured, ceiling: Measured, workers: number): Row => ({
      measure,
      ours: detail(m),
      ceiling: `${perSecond(ceiling)} (bare writes)`,
      ratio: `${((100 * m.stepsPerSecond) / ceiling.stepsPerSecond).toFixed(0)} %`,
      target: `>= ${2000 * workers}/s`,
      pass: target(m, workers),
    });
    rows.push(rowFor("due steps/s, 1 worker, SQLite", sqliteOne, sqliteCeiling, 1));
    rows.push(rowFor("due steps/s, 1 worker, PostgreSQL", pgOne, pgCeiling, 1));
    const ratio = pgTwo.stepsPerSecond / pgOne.stepsPerSecond;
    rows.push({
      measure: "due steps/s, 2 workers, PostgreSQL",
      ours: detail(pgTwo),
      ceiling: `${perSecond(pgOne)} (1 worker)`,
      ratio: `${ratio.toFixed(2)}x`,
      target: ">= 1.7x and >= 2000/s each",
      pass: ratio >= 1.7 && target(pgTwo, 2),
    });
    for (const [label, m] of [["SQLite, 1 worker", sqliteOne], ["PostgreSQL, 1 worker", pgOne], ["PostgreSQL, 2 workers", pgTwo]] as const) {
      rows.push({ measure: `peak RSS per worker, ${label}`, ours: rss(m), ceiling: "-", ratio: "-", target: "< 256 MB", pass: m.workers.every((w) => w.maxRssMb < 256) });
    }
    printTable(
      `Flow worker, abandoned checkout, ${PROFILES} runs, batches of ${BATCH}, ${SECONDS} s per configuration, ${os.cpus().length} cores, Node ${process.version}`,
      rows,
    );
    console.log(`\nPostgreSQL steps queued one email each: ${queued} messages for ${pgOne.steps + pgTwo.steps} steps (+ warm-up batches).`);
    if (profileDir) console.log(`\nHottest functions (self time) of the SQLite worker, profiles in ${profileDir}:\n${hottest(profileDir).join("\n")}`);
  } finally {
    for (const database of databases) await database.cleanup();
  }
}

if (process.argv.includes("--worker")) {
  runWorker().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
