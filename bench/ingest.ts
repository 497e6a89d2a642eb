import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrismaClient } from "../app/db/client.server";
import { applyMigrations } from "../app/db/migrations.server";
import { ensureShop } from "../app/models/shop.server";
import { drainInboxOnce } from "../app/worker/inbox-worker.server";
import { freePort } from "../tests/helpers/demo-process";
import { orderPayload } from "../tests/helpers/payloads";
import { closedLoop, fixedRate, printTable, type LoadResult, type Row } from "./lib";

/**
 * npm run bench:ingest — signed orders/create deliveries over HTTP to the production build (SQLite), at several
 * concurrencies, against a bare HMAC-verifying node:http server measured in the same run; then the drain rate.
 */
const SECRET = "bench-secret-bench-secret-bench-secret";
const SHOP = "bench-shop.myshopify.com";
const PER_LEVEL = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = [1, 16, 64];
const FIXED_RATE = 1000;

async function waitFor(port: number, pathName: string, child: ChildProcess) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}${pathName}`, { method: pathName === "/" ? "POST" : "GET" });
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not start");
}

let sequence = 0;
function deliveries(count: number) {
  return Array.from({ length: count }, () => {
    const n = ++sequence;
    const body = orderPayload("orders/create", {
      id: String(9_007_199_254_740_993n + BigInt(n)),
      customerId: String(8_000_000_000_000_000n + BigInt(n % 500)),
      email: `buyer${n % 500}@example.com`,
      total: `${(n % 90) + 10}.00`,
    });
    return {
      path: "/webhooks/orders/create",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": randomUUID(),
        "X-Shopify-Triggered-At": new Date().toISOString(),
        "X-Shopify-Hmac-Sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
      },
    };
  });
}

async function measure(port: number) {
  const levels: Array<[number, LoadResult]> = [];
  for (const c of CONCURRENCY) levels.push([c, await closedLoop(port, deliveries(PER_LEVEL), c)]);
  const steady = await fixedRate(port, deliveries(FIXED_RATE * 3), FIXED_RATE);
  return { levels, steady };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-ingest-"));
  const databaseUrl = `file:${path.join(dir, "bench.db")}`;
  const children: ChildProcess[] = [];
  try {
    await applyMigrations(databaseUrl);
    const db = createPrismaClient(databaseUrl);
    await ensureShop(db, SHOP);
    if (!existsSync("build/server/index.js") || process.env.BENCH_BUILD === "1") {
      spawnSync("npx", ["remix", "vite:build"], { stdio: "inherit" });
    }

    const appPort = await freePort();
    const app = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        HOST: "127.0.0.1",
        PORT: String(appPort),
        SHOPIFY_API_KEY: "bench-key",
        SHOPIFY_API_SECRET: SECRET,
        SHOPIFY_APP_URL: `http://127.0.0.1:${appPort}`,
        SESSION_SECRET: SECRET,
        WORKER_IN_PROCESS: "0",
        DEMO_MODE: "0",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(app);
    await waitFor(appPort, "/healthz", app);
    const ours = await measure(appPort);
    app.kill("SIGTERM");

    const ceilingPort = await freePort();
    const ceiling = spawn(process.execPath, ["--import", "tsx", "bench/ceiling-server.ts"], {
      env: { ...process.env, PORT: String(ceilingPort), SHOPIFY_API_SECRET: SECRET },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(ceiling);
    await waitFor(ceilingPort, "/", ceiling);
    const top = await measure(ceilingPort);
    ceiling.kill("SIGTERM");

    const accepted = await db.inboxEntry.count();
    const started = process.hrtime.bigint();
    for (;;) {
      const { claimed } = await drainInboxOnce(db, { batchSize: 500 });
      if (claimed === 0) break;
    }
    const drainSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const events = await db.event.count();
    const failed = await db.inboxEntry.count({ where: { status: "failed" } });
    await db.$disconnect();

    const rows: Row[] = [];
    for (const [i, [c, r]] of ours.levels.entries()) {
      const t = top.levels[i][1];
      const ratio = r.perSecond / t.perSecond;
      rows.push({
        measure: `accepted/s at concurrency ${c}`,
        ours: `${r.perSecond.toFixed(0)}/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms)`,
        ceiling: `${t.perSecond.toFixed(0)}/s (p99 ${t.p99.toFixed(1)} ms)`,
        ratio: `${(ratio * 100).toFixed(0)} %`,
        target: c === Math.max(...CONCURRENCY) ? ">= 5000/s and >= 25 %" : "-",
        pass: c === Math.max(...CONCURRENCY) ? r.perSecond >= 5000 && ratio >= 0.25 : null,
      });
    }
    rows.push({
      measure: `ack latency at ${FIXED_RATE}/s`,
      ours: `p50 ${ours.steady.p50.toFixed(1)} ms, p99 ${ours.steady.p99.toFixed(1)} ms`,
      ceiling: `p99 ${top.steady.p99.toFixed(1)} ms`,
      ratio: `${(ours.steady.p99 / top.steady.p99).toFixed(1)}x`,
      target: "p99 < 50 ms",
      pass: ours.steady.p99 < 50,
    });
    rows.push({
      measure: "drain into profiles",
      ours: `${(events / drainSeconds).toFixed(0)} events/s (${accepted} deliveries, ${events} events, ${failed} failed, ${drainSeconds.toFixed(1)} s)`,
      ceiling: "-",
      ratio: "-",
      target: ">= 5000 events/s",
      pass: events / drainSeconds >= 5000,
    });
    printTable(`Ingest on SQLite, ${os.cpus().length} cores, Node ${process.version}`, rows);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
