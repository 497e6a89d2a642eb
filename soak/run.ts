import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { adminQuery } from "../app/db/adapters.server";
import { createPrismaClient, type Db } from "../app/db/client.server";
import { applyMigrations } from "../app/db/migrations.server";
import { parsePostgresUrl } from "../app/db/url";
import type { FlowDefinition } from "../app/domain/flows/definition";
import type { FlowPreset } from "../app/domain/flows/presets";
import { createVersion, storedDefinition, switchOnPreset } from "../app/models/flow-definitions.server";
import { ensurePixelIngestKey, PIXEL_INGEST_PATH } from "../app/models/pixel.server";
import { ensureShop } from "../app/models/shop.server";
import { freePort } from "../tests/helpers/demo-process";
import { startFakeResend } from "../tests/helpers/fake-resend";
import {
  noCartEmailAfterOrder,
  noEmailTwice,
  noStuckRuns,
  onlyToConsenting,
  webhooksBecameTheirEvents,
  type AcceptedWebhook,
  type Check,
} from "./invariants";
import { compressDelays } from "./compress";
import { createSoakTraffic, type Delivery } from "./traffic";
import { memoryTrend, type Sample } from "./trend";

/**
 * npm run soak — mixed traffic against the production build on PostgreSQL with two web processes and two workers,
 * under faults, then the invariants. Bounded: it stops by itself within 10 minutes. `-- --report` appends the
 * result to docs/soak-report.md. What it does and why: README.md, "Soak and faults".
 */
const SECRET = "soak-secret-soak-secret-soak-secret-1234";
const SHOP = "soak-shop.myshopify.com";
const POSTGRES = process.env.SOAK_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
// Journeys start for this long; their last orders and refunds follow up to two minutes later.
const TRAFFIC_MS = Number(process.env.SOAK_TRAFFIC_SECONDS ?? 240) * 1000;
const JOURNEYS_PER_SECOND = Number(process.env.SOAK_JOURNEYS_PER_SECOND ?? 3);
const HARD_LIMIT_MS = 10 * 60_000;
const started = Date.now();
const elapsed = () => Date.now() - started;
const log = (line: string) => console.log(`[${(elapsed() / 1000).toFixed(0).padStart(3)} s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The limit holds whatever hangs: the runner ends itself and everything it started.
const children = new Set<ChildProcess>();
const hardStop = setTimeout(() => {
  console.error(`soak: ${HARD_LIMIT_MS / 60_000} minutes passed; stopping`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(2);
}, HARD_LIMIT_MS);
hardStop.unref();
// Stopped from outside (Ctrl+C, a timeout): the processes it started go too.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: two web processes and two workers of the production build, each one node process (RSS is its own).

type Role = { label: string; script: string; port?: number };
type Running = { role: Role; child: ChildProcess; instance: number; startedAt: number };
/** Still running: a process killed by a signal keeps exitCode null (its signalCode says how it ended). */
const alive = (r: Running) => r.child.exitCode === null && r.child.signalCode === null;

const runDir = mkdtempSync(path.join(os.tmpdir(), "soak-"));
const memory = new Map<string, Sample[]>();
let instances = 0;

function startProcess(role: Role, env: NodeJS.ProcessEnv): Running {
  const instance = ++instances;
  const child = spawn(process.execPath, ["--import", "tsx", role.script], {
    env: { ...env, ...(role.port ? { PORT: String(role.port) } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const file = path.join(runDir, `${role.label}-${instance}.log`);
  child.stdout?.on("data", (chunk) => appendFileSync(file, chunk));
  child.stderr?.on("data", (chunk) => appendFileSync(file, chunk));
  children.add(child);
  child.on("exit", () => children.delete(child));
  memory.set(`${role.label} #${instance}`, []);
  return { role, child, instance, startedAt: Date.now() };
}

function rssBytes(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

async function waitForHttp(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

function restartPostgres() {
  const version = readdirSync("/etc/postgresql")[0];
  const result = spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`PostgreSQL restart failed: ${result.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function setUpShop(db: Db) {
  const shop = await ensureShop(db, SHOP, new Date());
  // Every email may go as soon as its step is due: the soak's minutes stand for days of flows (compress.ts).
  await db.shopSettings.update({
    where: { shopId: shop.id },
    data: { senderName: "Soak Outfitters", senderEmail: "hello@soak.example", smartSendingHours: 0, quietHoursStartMin: 0, quietHoursEndMin: 0 },
  });
  const presets: FlowPreset[] = ["welcome", "browse_abandonment", "abandoned_checkout", "post_purchase"];
  for (const preset of presets) {
    const flow = await switchOnPreset(db, shop.id, preset);
    const current = await db.flowVersion.findUniqueOrThrow({ where: { id: flow.currentVersionId! } });
    const fast: FlowDefinition = compressDelays(storedDefinition(current.definition));
    const version = await createVersion(db, shop.id, flow.id, fast);
    await db.flow.update({ where: { id: flow.id }, data: { currentVersionId: version.id } });
  }
  return { shopId: shop.id, ingestKey: await ensurePixelIngestKey(db, shop.id) };
}

async function main() {
  const server = parsePostgresUrl(POSTGRES);
  const schema = `soak_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const url = new URL(POSTGRES);
  url.searchParams.set("schema", schema);
  const databaseUrl = url.href;
  log(`PostgreSQL schema ${schema}; logs in ${runDir}`);
  await applyMigrations(databaseUrl);
  const db = createPrismaClient(databaseUrl);
  const resend = await startFakeResend({ apiKey: "re_soak_key" });
  const running: Running[] = [];
  let keepSchema = false;
  try {
    const { shopId, ingestKey } = await setUpShop(db);
    // The web processes serve the production build: built from this checkout, so the soak tests what is here.
    if (process.env.SOAK_SKIP_BUILD !== "1" || !existsSync("build/server/index.js")) {
      log("building the app (npm run build)");
      if (spawnSync("npm", ["run", "build"], { stdio: ["ignore", "ignore", "inherit"] }).status !== 0) throw new Error("npm run build failed");
    }

    const [port1, port2] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_KEY: "soak-api-key",
      SHOPIFY_API_SECRET: SECRET,
      SHOPIFY_APP_URL: `http://127.0.0.1:${port1}`,
      SESSION_SECRET: SECRET,
      RESEND_API_KEY: resend.apiKey,
      RESEND_BASE_URL: resend.url,
      LOG_LEVEL: "warn",
    };
    const webs: Role[] = [
      { label: "web 1", script: "server.ts", port: port1 },
      { label: "web 2", script: "server.ts", port: port2 },
    ];
    const workers: Role[] = [
      { label: "worker 1", script: "scripts/worker.ts" },
      { label: "worker 2", script: "scripts/worker.ts" },
    ];
    for (const role of [...webs, ...workers]) running.push(startProcess(role, env));
    await Promise.all(webs.map((w) => waitForHttp(`http://127.0.0.1:${w.port}/healthz`, 60_000)));
    log("two web processes and two workers are up; traffic starts");

    const sampler = setInterval(() => {
      for (const r of running) {
        const rss = alive(r) ? rssBytes(r.child.pid!) : null;
        if (rss !== null) memory.get(`${r.role.label} #${r.instance}`)!.push({ atMs: Date.now(), rssBytes: rss });
      }
    }, 5_000);

    const outcome = await drive({ ports: [port1, port2], ingestKey, resend, running, workers, env });
    clearInterval(sampler);

    log("traffic done; waiting for the workers to catch up");
    await waitForQuiet(db, shopId, Math.min(90_000, HARD_LIMIT_MS - elapsed() - 45_000));
    const endedAt = new Date();
    for (const r of running) r.child.kill("SIGTERM");
    await sleep(2_000);

    const checks = await check(db, shopId, outcome, resend.delivered, endedAt);
    const report = reportMarkdown(checks, outcome);
    console.log(`\n${report}\n`);
    if (process.argv.includes("--report")) {
      const file = "docs/soak-report.md";
      if (!existsSync(file)) writeFileSync(file, "# Soak and fault runs\n\nWritten by `npm run soak -- --report`, one section per run, newest last.\n");
      appendFileSync(file, `\n${report}\n`);
      log(`appended to ${file}`);
    }
    process.exitCode = checks.every((c) => c.pass) ? 0 : 1;
    keepSchema = process.exitCode !== 0 && !process.argv.includes("--drop");
  } finally {
    for (const r of running) r.child.kill("SIGKILL");
    await resend.close();
    await db.$disconnect();
    // A failed run keeps its data to look into (`-- --drop` drops it anyway).
    if (keepSchema) log(`kept PostgreSQL schema ${schema} for a look; drop it with: DROP SCHEMA "${schema}" CASCADE`);
    else await adminQuery(server, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch((error: unknown) => console.error("soak: could not drop", schema, error));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Traffic and faults.

type Outcome = {
  accepted: AcceptedWebhook[];
  webhooksSent: number;
  duplicatesSent: number;
  lateSent: number;
  retried: number;
  pixelAccepted: number;
  subscribedAt: Map<string, number>;
  unsubscribedAt: Map<string, number>;
  opens: number;
  clicks: number;
  faults: string[];
};

async function drive(input: {
  ports: number[];
  ingestKey: string;
  resend: Awaited<ReturnType<typeof startFakeResend>>;
  running: Running[];
  workers: Role[];
  env: NodeJS.ProcessEnv;
}): Promise<Outcome> {
  const traffic = createSoakTraffic({ seed: 20261125, shopDomain: SHOP, ingestKey: input.ingestKey });
  const random = traffic.random;
  const outcome: Outcome = {
    accepted: [],
    webhooksSent: 0,
    duplicatesSent: 0,
    lateSent: 0,
    retried: 0,
    pixelAccepted: 0,
    subscribedAt: new Map(),
    unsubscribedAt: new Map(),
    opens: 0,
    clicks: 0,
    faults: [],
  };
  type Pending = { delivery: Delivery; dueMs: number; attempt: number; duplicate: boolean };
  const pending: Pending[] = [];
  const acceptedIds = new Set<string>();
  const schedule = (p: Pending) => {
    let i = pending.length;
    while (i > 0 && pending[i - 1].dueMs > p.dueMs) i--;
    pending.splice(i, 0, p);
  };
  let nextPort = 0;
  const base = () => `http://127.0.0.1:${input.ports[nextPort++ % input.ports.length]}`;

  async function send(p: Pending) {
    const d = p.delivery;
    let status = 0;
    try {
      if (d.kind === "webhook") {
        if (p.attempt === 1 && !p.duplicate) outcome.webhooksSent++;
        const response = await fetch(`${base()}/webhooks/${d.topic}`, {
          method: "POST",
          body: d.body,
          headers: {
            "Content-Type": "application/json",
            "X-Shopify-Topic": d.topic,
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": d.webhookId,
            "X-Shopify-Event-Id": d.webhookId,
            "X-Shopify-Triggered-At": d.triggeredAt.toISOString(),
            "X-Shopify-Hmac-Sha256": createHmac("sha256", SECRET).update(d.body).digest("base64"),
          },
          signal: AbortSignal.timeout(5_000), // Shopify's own limit
        });
        status = response.status;
        await response.arrayBuffer();
        if (status === 200 && !acceptedIds.has(d.webhookId)) {
          acceptedIds.add(d.webhookId);
          outcome.accepted.push({ webhookId: d.webhookId, topic: d.topic, body: d.body, triggeredAt: d.triggeredAt });
          if (d.topic === "customers_email_marketing_consent/update" && !outcome.subscribedAt.has(d.email)) outcome.subscribedAt.set(d.email, Date.now());
        }
        // Shopify delivers some webhooks twice: 5 % come again, same id, a few seconds later.
        if (status === 200 && !p.duplicate && p.attempt === 1 && random() < 0.05) {
          outcome.duplicatesSent++;
          schedule({ delivery: d, dueMs: Date.now() + 1_000 + random() * 4_000, attempt: 1, duplicate: true });
        }
      } else {
        const response = await fetch(`${base()}${PIXEL_INGEST_PATH}`, {
          method: "POST",
          body: d.body,
          headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: `https://${SHOP}` },
          signal: AbortSignal.timeout(5_000),
        });
        status = response.status;
        await response.arrayBuffer();
        if (response.ok) outcome.pixelAccepted++;
        return; // the pixel does not retry
      }
    } catch {
      status = 0; // refused, reset or timed out: Shopify retries
    }
    if (d.kind === "webhook" && status !== 200 && p.attempt < 10) {
      outcome.retried++;
      schedule({ ...p, dueMs: Date.now() + Math.min(30_000, 1_000 * 2 ** (p.attempt - 1)), attempt: p.attempt + 1 });
    }
  }

  // Opens, clicks and one-click unsubscribes of the emails Resend received.
  let seenEmails = 0;
  async function engage() {
    const fresh = input.resend.delivered.slice(seenEmails);
    seenEmails += fresh.length;
    for (const email of fresh) {
      const html = email.html ?? "";
      const local = (href: string) => href.replace(/^https?:\/\/[^/]+/, base());
      const open = /(https?:\/\/[^"]+\/t\/o\/[^"]+)"/.exec(html)?.[1];
      const click = /(https?:\/\/[^"]+\/t\/c\/[^"]+)"/.exec(html)?.[1];
      const unsubscribe = /<(https?:\/\/[^>]+)>/.exec(email.headers["List-Unsubscribe"] ?? "")?.[1];
      const r = random();
      try {
        if (open && r < 0.4) {
          if ((await fetch(local(open.replaceAll("&amp;", "&")))).ok) outcome.opens++;
        }
        if (click && r < 0.15) {
          const response = await fetch(local(click.replaceAll("&amp;", "&")), { redirect: "manual" });
          if (response.status === 302 || response.status === 303) outcome.clicks++;
        }
        if (unsubscribe && r > 0.97) {
          const response = await fetch(local(unsubscribe), {
            method: "POST",
            body: "List-Unsubscribe=One-Click",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
          });
          const to = email.to[0].toLowerCase();
          if (response.ok && !outcome.unsubscribedAt.has(to)) outcome.unsubscribedAt.set(to, Date.now());
        }
      } catch {
        // a web process restarting: the shopper just does not click
      }
    }
  }

  // Faults, by time since traffic start.
  const trafficStart = Date.now();
  const faultPlan: Array<{ atMs: number; name: string; run: () => void | Promise<void> }> = [
    { atMs: 60_000, name: "Resend answers 429 for 30 s", run: () => input.resend.outageFor(30_000, 429) },
    { atMs: 90_000, name: "Resend answers 500 for 30 s", run: () => input.resend.outageFor(30_000, 500) },
    { atMs: 150_000, name: "PostgreSQL restarted", run: restartPostgres },
  ];
  for (let minute = 1; minute * 60_000 < TRAFFIC_MS + 120_000; minute++) {
    const role = input.workers[(minute - 1) % input.workers.length];
    faultPlan.push({
      atMs: minute * 60_000 + 15_000,
      name: `kill -9 ${role.label}`,
      run: () => {
        const victim = input.running.find((r) => r.role === role && alive(r));
        victim?.child.kill("SIGKILL");
        input.running.push(startProcess(role, input.env));
      },
    });
  }
  faultPlan.sort((a, b) => a.atMs - b.atMs);

  let journeysOwed = 0;
  let lastTick = Date.now();
  const inFlight = new Set<Promise<void>>();
  let lastEngage = 0;
  while (Date.now() - trafficStart < TRAFFIC_MS || pending.length > 0 || inFlight.size > 0) {
    const now = Date.now();
    const sinceStart = now - trafficStart;
    while (faultPlan.length > 0 && faultPlan[0].atMs <= sinceStart) {
      const fault = faultPlan.shift()!;
      log(`fault: ${fault.name}`);
      outcome.faults.push(`${(sinceStart / 1000).toFixed(0)} s: ${fault.name}`);
      await fault.run();
    }
    if (sinceStart < TRAFFIC_MS) {
      // Steady journeys, and a burst of ten times the rate for 10 s every two minutes.
      const burst = sinceStart % 120_000 >= 100_000 && sinceStart % 120_000 < 110_000;
      journeysOwed += ((now - lastTick) / 1000) * JOURNEYS_PER_SECOND * (burst ? 10 : 1);
      for (; journeysOwed >= 1; journeysOwed--) {
        for (const delivery of traffic.journey(now)) {
          // 1 % of webhooks arrive two to four minutes late (Shopify's queue, a slow retry); those that would then
          // come after the journeys' last orders arrive on time.
          const lateBy = 120_000 + random() * 120_000;
          const late = delivery.kind === "webhook" && random() < 0.01 && delivery.atMs + lateBy <= trafficStart + TRAFFIC_MS + 120_000 ? lateBy : 0;
          if (late) outcome.lateSent++;
          schedule({ delivery, dueMs: delivery.atMs + late, attempt: 1, duplicate: false });
        }
      }
    }
    lastTick = now;
    while (pending.length > 0 && pending[0].dueMs <= now && inFlight.size < 64) {
      const job = send(pending.shift()!).finally(() => inFlight.delete(job));
      inFlight.add(job);
    }
    if (now - lastEngage >= 1_000) {
      lastEngage = now;
      await engage();
    }
    await sleep(20);
  }
  await engage();
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------

async function waitForQuiet(db: Db, shopId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    try {
      const now = new Date();
      const [inbox, runs, emails] = await Promise.all([
        db.inboxEntry.count({ where: { status: "pending" } }),
        db.flowRun.count({ where: { shopId, status: { in: ["waiting", "running"] }, nextRunAt: { lte: now } } }),
        db.message.count({ where: { shopId, status: "queued", queuedAt: { lte: now } } }),
      ]);
      quiet = inbox + runs + emails === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return;
    } catch {
      quiet = 0; // the connection from before the restart
    }
    await sleep(1_000);
  }
  log(`still busy after ${timeoutMs / 1000} s; checking anyway`);
}

async function check(db: Db, shopId: string, outcome: Outcome, delivered: Array<{ to: string[]; at: number; tags: Array<{ name: string; value: string }> }>, endedAt: Date): Promise<Check[]> {
  const cartFlow = await db.flow.findFirst({ where: { shopId, preset: "abandoned_checkout" }, select: { id: true } });
  const [events, inboxPending, inboxFailed, suppressions, cartMessages, orders, runs] = await Promise.all([
    db.event.findMany({ where: { shopId, source: "shopify_webhook" }, select: { sourceId: true } }),
    db.inboxEntry.count({ where: { status: "pending" } }),
    db.inboxEntry.count({ where: { status: "failed" } }),
    db.suppression.findMany({ where: { shopId }, select: { email: true, createdAt: true } }),
    db.message.findMany({ where: { shopId, status: "sent", flowId: cartFlow?.id ?? "none" }, select: { id: true, profileId: true, sentAt: true, runId: true } }),
    db.event.findMany({ where: { shopId, name: "Placed Order" }, select: { profileId: true, occurredAt: true, receivedAt: true } }),
    db.flowRun.findMany({ where: { shopId }, select: { id: true, status: true, nextRunAt: true, leaseUntil: true, triggerEventId: true } }),
  ]);
  // A run starts at its trigger event (the checkout), as the flow's "since start" conditions read it.
  const triggers = await db.event.findMany({
    where: { id: { in: runs.map((r) => r.triggerEventId).filter((id): id is string => id !== null) } },
    select: { id: true, occurredAt: true },
  });
  const triggerAt = new Map(triggers.map((e) => [e.id, e.occurredAt]));
  const startedAt = new Map(runs.flatMap((r) => (r.triggerEventId && triggerAt.has(r.triggerEventId) ? [[r.id, triggerAt.get(r.triggerEventId)!] as const] : [])));
  const emails = delivered.map((e) => ({ to: e.to[0], atMs: e.at, messageId: e.tags.find((t) => t.name === "message_id")?.value ?? null }));
  return [
    webhooksBecameTheirEvents(outcome.accepted, { webhookEventSourceIds: events.map((e) => e.sourceId), inboxPending, inboxFailed }),
    noEmailTwice(emails),
    onlyToConsenting(emails, { subscribedAt: outcome.subscribedAt, unsubscribedAt: outcome.unsubscribedAt, suppressedAt: new Map(suppressions.map((s) => [s.email, s.createdAt.getTime()])) }, 5_000),
    noCartEmailAfterOrder(
      cartMessages
        .filter((m) => m.sentAt && m.runId && startedAt.has(m.runId))
        .map((m) => ({ messageId: m.id, profileId: m.profileId, sentAt: m.sentAt!, runStartedAt: startedAt.get(m.runId!)! })),
      orders.filter((o) => o.profileId).map((o) => ({ profileId: o.profileId!, placedAt: o.occurredAt, receivedAt: o.receivedAt })),
      10_000,
    ),
    noStuckRuns(runs, endedAt, 60_000),
    ...[...memory].filter(([, samples]) => judgedForMemory(samples)).map(([label, samples]): Check => {
      const trend = memoryTrend(samples, { warmupMs: MEMORY_WARMUP_MS, maxGrowthPercent: 15 });
      return {
        name: `memory of ${label} flat`,
        pass: trend.flat,
        detail: `median ${trend.medianMb.toFixed(0)} MB, trend ${trend.mbPerMinute.toFixed(2)} MB/min (Theil-Sen, ${trend.samples} samples after ${MEMORY_WARMUP_MS / 1000} s), ${trend.growthPercent.toFixed(1)} % over the run (limit 15 %)`,
      };
    }),
  ];
}

// A trend needs a settled process and time: a first minute of JIT and caches, then at least 2.5 minutes of samples.
// Workers killed every minute (in turn) mostly live about two minutes: the report lists them, unjudged.
const MEMORY_WARMUP_MS = 60_000;
const MEMORY_MIN_SPAN_MS = 150_000;
function judgedForMemory(samples: Sample[]): boolean {
  return samples.length > 0 && samples[samples.length - 1].atMs - samples[0].atMs >= MEMORY_WARMUP_MS + MEMORY_MIN_SPAN_MS;
}

function reportMarkdown(checks: Check[], outcome: Outcome): string {
  const passed = checks.every((c) => c.pass);
  const cpus = os.cpus();
  return [
    `## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${passed ? "passed" : "FAILED"} (${(elapsed() / 1000).toFixed(0)} s)`,
    "",
    `${cpus.length} x ${cpus[0]?.model.trim()}, Node ${process.version}; PostgreSQL, two web processes, two workers; ` +
      `${TRAFFIC_MS / 1000} s of traffic at ${JOURNEYS_PER_SECOND} journeys/s with 10x bursts.`,
    "",
    `Traffic: ${outcome.webhooksSent} webhooks (${outcome.accepted.length} accepted, ${outcome.duplicatesSent} delivered twice, ` +
      `${outcome.lateSent} late, ${outcome.retried} retries after a refusal or timeout), ${outcome.pixelAccepted} pixel events accepted, ` +
      `${outcome.subscribedAt.size} subscriptions, ${outcome.opens} opens, ${outcome.clicks} clicks, ${outcome.unsubscribedAt.size} unsubscribes.`,
    "",
    `Faults: ${outcome.faults.join("; ")}.`,
    "",
    `Memory not judged (sampled less than ${(MEMORY_WARMUP_MS + MEMORY_MIN_SPAN_MS) / 1000} s before they were killed or the traffic ended): ` +
      `${[...memory].filter(([, samples]) => !judgedForMemory(samples)).map(([label, samples]) => `${label} (${samples.length > 1 ? ((samples[samples.length - 1].atMs - samples[0].atMs) / 1000).toFixed(0) : 0} s)`).join(", ") || "none"}.`,
    "",
    "| invariant | result | detail |",
    "|---|---|---|",
    ...checks.map((c) => `| ${c.name} | ${c.pass ? "pass" : "FAIL"} | ${c.detail.replace(/\|/g, "/")} |`),
  ].join("\n");
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    clearTimeout(hardStop);
    for (const child of children) child.kill("SIGKILL");
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
  });
