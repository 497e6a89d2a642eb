// Crashes and concurrency with real processes: flow workers (tests/helpers/flow-worker-child.ts) SIGKILLed at
// seeded random points mid-batch, 20 times, lose no run and send no email twice; two workers on PostgreSQL never
// process the same run step twice. Virtual time throughout: each child is told `now`; kills follow observed
// progress (runs claimed, emails the provider accepted), never a sleep.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { switchOnPreset } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { triggerFlows, type AdvanceSummary } from "../../app/worker/flow-worker.server";
import type { DeliverySummary } from "../../app/models/messages.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startFakeResend, type FakeResend } from "../helpers/fake-resend";
import type { ChildConfig, FromChild, ToChild } from "../helpers/flow-worker-child";

const CHILD_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), "../helpers/flow-worker-child.ts");
const T0 = new Date("2026-11-20T09:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LEASE = MINUTE;
const BATCH = 5;
/** The abandoned-checkout preset's reminders are due at 4 h, 24 or 48 h (A/B) and 72 h after the checkout. */
const PHASES = [4 * HOUR, 24 * HOUR, 48 * HOUR, 72 * HOUR];
const STEPS = ["checkout_1", "checkout_2", "checkout_3"];

/** mulberry32: the kill points are random, and the same on every run. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

type Progress = Extract<FromChild, { kind: "advanced" | "sent" }>;
/** At a report: go on; kill the child while it waits there; or let it go on and kill it at once (mid-whatever). */
type Decision = "go" | "kill" | "go_and_kill";
type Outcome = Extract<FromChild, { kind: "drained" | "passed" }> | { kind: "killed"; on: Progress["kind"]; waiting: boolean };
type WorkerChild = {
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a command; `decide` sees each progress report (the child waits for the answer) and may have it killed. */
  command(command: ToChild, decide?: (progress: Progress) => Decision): Promise<Outcome>;
};

const started: ChildProcess[] = [];
let childScript = "";

// The file starts over forty worker processes. Bundled once (packages stay external), each starts in about half
// the CPU time it takes to load the same TypeScript sources through tsx, file by file.
beforeAll(async () => {
  const dir = mkdtempSync(path.join(process.env.TEST_TMP_DIR ?? path.resolve("tests/.tmp"), "crash-child-"));
  childScript = path.join(dir, "flow-worker-child.mjs");
  await build({ entryPoints: [CHILD_SOURCE], outfile: childScript, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "warning" });
});

function startChild(config: ChildConfig): WorkerChild {
  const child = fork(childScript, [], {
    execArgv: [],
    env: { ...process.env, FLOW_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  started.push(child);
  let listener: (message: FromChild) => void = () => {};
  child.on("message", (message) => listener(message as FromChild));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    listener = (m) => (m.kind === "ready" ? resolve() : reject(new Error(`child said ${JSON.stringify(m)} before ready`)));
    void exited.then((e) => reject(new Error(`child exited before ready: ${e.code ?? e.signal}`)));
  });
  ready.catch(() => {}); // a spare child killed unused at the end is no error
  return {
    ready,
    exited,
    command(command, decide = () => "go") {
      return new Promise<Outcome>((resolve, reject) => {
        listener = (m) => {
          if (m.kind === "error") return reject(new Error(`child: ${m.message}`));
          if (m.kind === "drained" || m.kind === "passed") return resolve(m);
          if (m.kind !== "advanced" && m.kind !== "sent") return reject(new Error(`unexpected ${m.kind}`));
          const decision = decide(m);
          if (decision !== "kill") child.send({ kind: "ack", id: m.id } satisfies ToChild);
          if (decision !== "go") {
            child.kill("SIGKILL");
            listener = () => {};
            resolve({ kind: "killed", on: m.kind, waiting: decision === "kill" });
          }
        };
        void exited.then((e) => reject(new Error(`child exited during ${command.kind}: ${e.code ?? e.signal}`)));
        child.send(command);
      });
    },
  };
}

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function childConfig(database: TestDatabase, resend: FakeResend, owner: string): ChildConfig {
  return {
    databaseUrl: database.url,
    owner,
    leaseMs: LEASE,
    batch: BATCH,
    resendUrl: resend.url,
    resendKey: resend.apiKey,
    secret: "crash-test-secret-crash-test-secret",
    appUrl: "https://app.crash.test",
    from: "Shop <shop@example.com>",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Data

/** A shop with the abandoned-checkout flow live and `count` consenting profiles whose runs have just started. */
async function seedRuns(db: Db, label: string, count: number) {
  const shop = await ensureShop(db, `${label}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
  await switchOnPreset(db, shop.id, "abandoned_checkout");
  const ids = Array.from({ length: count }, (_, i) => `${label}-p${String(i).padStart(4, "0")}`);
  await db.profile.createMany({
    data: ids.map((id) => ({ id, shopId: shop.id, email: `${id}@example.com`, firstName: "Ann", emailConsent: "subscribed" })),
  });
  await db.event.createMany({
    data: ids.map((id) => ({
      shopId: shop.id,
      profileId: id,
      name: "Started Checkout",
      occurredAt: T0,
      receivedAt: T0,
      properties: { checkoutToken: `tok-${id}`, completedAt: null, abandonedCheckoutUrl: `https://shop.example/checkouts/${id}` },
      source: "shopify_webhook",
      sourceId: `checkout:tok-${id}:started`,
    })),
  });
  const triggered = await triggerFlows(db, { shopId: shop.id, since: new Date(0), now: new Date(T0.getTime() + 30_000), limit: count + 1 });
  expect(triggered.started).toBe(count);
  return shop.id;
}

/** What is due at `now`: runs to advance, and queued emails (each due run of a reminder phase sends one more). */
async function dueWork(db: Db, now: Date) {
  const [runs, queued] = await Promise.all([
    db.flowRun.count({ where: { status: { in: ["waiting", "running"] }, nextRunAt: { lte: now } } }),
    db.message.count({ where: { status: "queued", queuedAt: { lte: now } } }),
  ]);
  return { runs, queued };
}

/** The end state every scenario must reach: each run completed with its three emails, each sent exactly once. */
async function expectEveryRunDoneOnce(db: Db, shopId: string, resend: FakeResend, count: number) {
  const runs = await db.flowRun.findMany({ where: { shopId }, select: { id: true, status: true, leaseOwner: true, leaseUntil: true, nextRunAt: true } });
  expect(runs).toHaveLength(count);
  expect(runs.filter((r) => r.status !== "completed")).toEqual([]);
  expect(runs.filter((r) => r.leaseOwner !== null || r.leaseUntil !== null || r.nextRunAt !== null)).toEqual([]);

  const messages = await db.message.findMany({ where: { shopId } });
  expect(messages).toHaveLength(3 * count);
  expect(messages.filter((m) => m.status !== "sent" || m.provider !== "resend")).toEqual([]);
  const stepsByRun = new Map<string, string[]>();
  for (const m of messages) stepsByRun.set(m.runId!, [...(stepsByRun.get(m.runId!) ?? []), m.stepId!]);
  expect([...stepsByRun.values()].filter((steps) => [...steps].sort().join() !== STEPS.join())).toEqual([]);
  expect(stepsByRun.size).toBe(count);

  // The provider's view: one accepted email per message (so per idempotency key), under one request key, and the
  // id it gave is the one recorded. Re-sent batches were answered from its idempotency store, never sent again.
  const accepted = new Map<string, Array<{ id: string; requestKey: string | null }>>();
  for (const email of resend.delivered) {
    const messageId = email.tags.find((t) => t.name === "message_id")?.value ?? "untagged";
    accepted.set(messageId, [...(accepted.get(messageId) ?? []), { id: email.id, requestKey: email.requestKey }]);
  }
  expect(resend.delivered).toHaveLength(3 * count);
  expect([...accepted.entries()].filter(([, sends]) => sends.length !== 1)).toEqual([]);
  expect(messages.filter((m) => accepted.get(m.id)?.[0].id !== m.providerMessageId)).toEqual([]);
  expect(resend.requests.filter((r) => r.status !== 200)).toEqual([]);

  const rollups = await db.dailyRollup.groupBy({ by: ["metric"], where: { shopId }, _sum: { value: true } });
  const sums = Object.fromEntries(rollups.map((r) => [r.metric, Number(r._sum.value)]));
  // Each run counted once into its holdout counters too (no holdout share here: all in the sent group).
  expect(sums).toEqual({ entered: count, cohort_people: count, sent: 3 * count });
}

// ---------------------------------------------------------------------------------------------------------------

// Twenty kills on PostgreSQL, the production database; SQLite's single claimer gets fewer runs and kills, so the
// file (over thirty worker processes) stays near two minutes on two cores.
describe.each([
  { provider: "sqlite", count: 40, killsPerPhase: 3 },
  { provider: "postgresql", count: 80, killsPerPhase: 5 },
] as const)("a flow worker killed mid-batch on $provider", ({ provider, count, killsPerPhase }) => {
  let database: TestDatabase | undefined;
  let resend: FakeResend | undefined;
  afterAll(async () => {
    await resend?.close();
    await database?.cleanup();
  });

  it(`is SIGKILLed ${PHASES.length * killsPerPhase} times across the flow; no run is lost and no email is sent twice`, { timeout: 240_000 }, async () => {
    database = await createTestDatabase(provider);
    resend = await startFakeResend({ rateLimit: 100_000 });
    const db = database.prisma;
    const shopId = await seedRuns(db, `crash-${provider}`, count);
    const random = seeded(provider === "sqlite" ? 4 : 5);

    // A worker that is never killed finishes each phase, so every reminder goes out at its phase's instant.
    const finisher = startChild(childConfig(database, resend, "finisher"));
    // Victims start two rounds ahead, so their start-up overlaps the rounds before.
    let spawned = 0;
    const spares: WorkerChild[] = [];
    const topUp = () => {
      while (spares.length < 2 && spawned < PHASES.length * killsPerPhase) spares.push(startChild(childConfig(database!, resend!, `victim-${++spawned}`)));
    };
    topUp();
    let kills = 0;
    let killedAfterAccept = 0;

    for (const phase of PHASES) {
      for (let round = 0; round <= killsPerPhase; round++) {
        // Each round starts after the previous one's leases ran out, so what the victim held is due again.
        const now = new Date(T0.getTime() + phase + round * (LEASE + 1000));
        const due = await dueWork(db, now);
        if (round === killsPerPhase) {
          await finisher.ready;
          const done = await finisher.command({ kind: "drain", now: now.toISOString() });
          expect(done.kind).toBe("drained");
          expect(await dueWork(db, now)).toEqual({ runs: 0, queued: 0 });
          continue;
        }

        const victim = spares.shift()!;
        topUp();
        await victim.ready;
        // Kill at the k-th unit of progress (runs claimed, emails accepted), k drawn below what is surely ahead
        // and low enough to leave work for the rounds after (a victim gets at most one report past k). Where:
        // "accepted": at a provider answer, before it is recorded; "waiting": at any report; "in flight": the
        // victim is let go on and killed at once, wherever the signal finds it (a claim, a step's transaction, a
        // rendering, a request).
        const how = (["accepted", "waiting", "in flight"] as const)[Math.floor(random() * 3)];
        const units = how === "accepted" ? due.runs + due.queued : 2 * due.runs + due.queued; // each due run sends one
        const share = Math.floor(units / (killsPerPhase - round + 1));
        const k = 1 + Math.floor(random() * Math.max(1, share - BATCH));
        const where = `${phase / HOUR} h, round ${round}: ${how} at unit ${k} of ${units}`;
        expect(units, where).toBeGreaterThan(0);
        let seen = 0;
        let last: Progress | null = null;
        const outcome = await victim.command({ kind: "drain", now: now.toISOString() }, (p) => {
          last = p;
          seen += p.kind === "sent" ? p.emails : how === "accepted" ? 0 : p.summary.claimed;
          if (seen < k || (how === "accepted" && p.kind !== "sent")) return "go";
          return how === "in flight" ? "go_and_kill" : "kill";
        });
        expect(outcome, where).toMatchObject({ kind: "killed" });
        expect(await victim.exited, where).toEqual({ code: null, signal: "SIGKILL" });
        kills++;
        const report = last as Progress | null;
        if (outcome.kind === "killed" && outcome.waiting && report?.kind === "sent") {
          killedAfterAccept++;
          // The provider has these; our rows do not know yet: still queued under the batch's pin.
          const pinned = await db.message.count({ where: { status: "queued", providerMessageId: { startsWith: "pending:" } } });
          expect(pinned, where).toBeGreaterThanOrEqual(report.emails);
        }
      }
    }
    expect(kills).toBe(PHASES.length * killsPerPhase);
    expect(killedAfterAccept).toBeGreaterThan(0);

    // Long after the last phase: nothing is left for any worker.
    const late = await finisher.command({ kind: "drain", now: new Date(T0.getTime() + 200 * HOUR).toISOString() });
    expect(late).toMatchObject({ kind: "drained", advanced: { claimed: 0 }, delivered: { sent: 0 } });
    void finisher.command({ kind: "exit" }).catch(() => undefined);

    await expectEveryRunDoneOnce(db, shopId, resend, count);
    // Every batch the provider accepted before its worker died was sent again whole and answered from the
    // provider's idempotency store (kills in flight add replays of their own).
    expect(resend.requests.filter((r) => r.replayed).length).toBeGreaterThanOrEqual(killedAfterAccept);
  });
});

describe("two flow workers on PostgreSQL", () => {
  let database: TestDatabase | undefined;
  let resend: FakeResend | undefined;
  afterAll(async () => {
    await resend?.close();
    await database?.cleanup();
  });

  it("never process the same run step twice: each due run is claimed and advanced once per step", { timeout: 240_000 }, async () => {
    const count = 100;
    database = await createTestDatabase("postgresql");
    resend = await startFakeResend({ rateLimit: 100_000 });
    const db = database.prisma;
    const shopId = await seedRuns(db, "pair", count);
    const workers = [startChild(childConfig(database, resend, "worker-a")), startChild(childConfig(database, resend, "worker-b"))];
    await Promise.all(workers.map((w) => w.ready));

    const add = <T extends Record<string, number>>(into: T, from: T) => {
      for (const key of Object.keys(into) as Array<keyof T>) (into[key] as number) += from[key];
    };
    for (const phase of PHASES) {
      const now = new Date(T0.getTime() + phase);
      const due = await dueWork(db, now);
      const perWorker = workers.map(() => ({ claimed: 0, advanced: 0, fenced: 0, failed: 0, queued: 0, skipped: 0 }) as AdvanceSummary);
      const delivered: DeliverySummary = { sent: 0, failed: 0, retried: 0, suppressed: 0, lost: 0 };
      // Lock-step passes: both workers claim, advance and deliver at the same time, every pass.
      for (;;) {
        const passes = await Promise.all(workers.map((w) => w.command({ kind: "pass", now: now.toISOString() })));
        for (const [i, pass] of passes.entries()) {
          if (pass.kind !== "passed") throw new Error(`worker ${i}: ${pass.kind}`);
          add(perWorker[i], pass.advanced);
          add(delivered, pass.delivered);
        }
        if (passes.every((p) => p.kind === "passed" && p.advanced.claimed === 0 && p.delivered.sent === 0)) break;
      }
      const total = perWorker.reduce((sum, s) => (add(sum, s), sum), { claimed: 0, advanced: 0, fenced: 0, failed: 0, queued: 0, skipped: 0 });
      // Each due run was claimed by one worker and advanced by it, once; nobody was fenced off a run another held.
      expect(total).toEqual({ claimed: due.runs, advanced: due.runs, fenced: 0, failed: 0, queued: due.runs, skipped: 0 });
      expect(perWorker.every((s) => s.claimed > 0)).toBe(true);
      expect(delivered).toEqual({ sent: due.runs, failed: 0, retried: 0, suppressed: 0, lost: 0 });
      expect(await dueWork(db, now)).toEqual({ runs: 0, queued: 0 });
    }
    await Promise.all(workers.map((w) => w.command({ kind: "exit" }).catch(() => undefined)));
    await expectEveryRunDoneOnce(db, shopId, resend, count);
  });
});
