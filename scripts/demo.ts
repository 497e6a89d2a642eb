import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createPrismaClient } from "../app/db/client.server";
import { catchUpClock, systemClock } from "../app/domain/clock";
import {
  demoClockEnv,
  demoMonthStart,
  parseDemoClockSpeed,
  parseDemoClockStates,
  planDemoClock,
  rememberDemoClock,
  serializeDemoClockStates,
} from "../app/demo/demo-clock";
import { DEMO_TIMEZONE } from "../app/demo/history";
import { DEMO_LIVE_PRESETS, DEMO_SHOP_DOMAIN, seedDemo } from "../app/demo/seed.server";
import { startDemoTraffic } from "../app/demo/traffic.server";

/**
 * npm run demo: migrate the embedded SQLite database, seed the demo shop, build, and serve the production build on
 * loopback with the demo login, then play Shopify's part: a month of shop life on a fast clock (signed webhooks and
 * storefront events stamped with virtual times), continuing in real time once the clock has caught up.
 */
const port = process.env.PORT ?? "3000";
const host = "127.0.0.1";
const databaseUrl = process.env.DATABASE_URL ?? "file:./data/app.db";
const DATA_DIR = path.resolve("data");

// The demo's secrets are made here and kept in data/ so the login survives a restart; they sign nothing real.
function demoSecret(): string {
  const file = path.join(DATA_DIR, "demo-secret");
  mkdirSync(DATA_DIR, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

// Where each demo database's simulated month got to, so a restart continues instead of replaying it.
const CLOCK_FILE = path.join(DATA_DIR, "demo-clock.json");
const readClockStates = () => parseDemoClockStates(existsSync(CLOCK_FILE) ? readFileSync(CLOCK_FILE, "utf8") : null);
function saveClock(shopId: string, origin: Date, reached: Date) {
  const next = rememberDemoClock(readClockStates(), { shopId, origin, reached });
  writeFileSync(`${CLOCK_FILE}.tmp`, serializeDemoClockStates(next));
  renameSync(`${CLOCK_FILE}.tmp`, CLOCK_FILE); // never a half-written file, even when stopped mid-write
}

const speedSetting = parseDemoClockSpeed(process.env.DEMO_CLOCK_SPEED);
if (!speedSetting.ok) {
  console.error(speedSetting.error);
  process.exit(1);
}
const speed = speedSetting.speed;
const secret = demoSecret();
const demoEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "development", // demo login refuses production; the bundle itself is the production build
  DEMO_MODE: "1",
  HOST: host,
  PORT: port,
  DATABASE_URL: databaseUrl,
  SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "demo-api-key",
  SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? secret,
  SHOPIFY_APP_URL: `http://${host}:${port}`,
  SESSION_SECRET: secret,
};

function step(title: string, command: string, args: string[]) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: demoEnv });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

step("Migrating the database", "npx", ["tsx", "scripts/db/migrate.ts", "deploy"]);

console.log("\n> Seeding the demo shop");
const runStart = new Date();
const monthStart = demoMonthStart(runStart, DEMO_TIMEZONE);
const db = createPrismaClient(databaseUrl);
// On a fast clock the seed's history ends where the simulated month begins.
const { shop, created } = await seedDemo(db, { now: speed > 1 ? monthStart : runStart });
console.log(created ? `Seeded ${shop.name} (${shop.domain}); switched on: ${DEMO_LIVE_PRESETS.join(", ")}.` : `${shop.name} is already seeded.`);
const plan = planDemoClock({ now: runStart, speed, monthStart, shop: { id: shop.id, created }, states: readClockStates() });
saveClock(shop.id, plan.origin, plan.from);

if (process.env.DEMO_SKIP_BUILD !== "1" || !existsSync("build/server/index.js")) {
  step("Building the app", "npx", ["remix", "vite:build"]);
}

// The server and the simulated Shopify share one clock: the same start, speed and real start instant.
const realStart = Date.now();
const clock = speed > 1 ? catchUpClock({ from: plan.from, speed, realStart }) : systemClock;
const days = (runStart.getTime() - plan.from.getTime()) / 86_400_000;
const story = {
  fresh: `Replaying the last ${Math.round(days)} days of the shop at ${speed}x (a day every ${Math.round(86_400 / speed)} s), then real time.`,
  resumed: `Continuing the shop's simulated month from ${plan.from.toISOString()} at ${speed}x, then real time.`,
  real_time: "The shop's simulated activity runs in real time.",
}[plan.mode];

console.log(`\n> Starting the app\n\n  Open http://${host}:${port}/ and choose "Open Northwind Outfitters".\n  ${story}\n  Stop with Ctrl+C.\n`);
const server = spawn("npx", ["tsx", "server.ts"], {
  stdio: "inherit",
  env: { ...demoEnv, ...demoClockEnv({ from: plan.from, speed, realStart }) },
});
let traffic: { stop(): Promise<void> } | undefined;
let progress: NodeJS.Timeout | undefined;
const stop = () => {
  clearInterval(progress);
  void traffic?.stop();
  server.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", (code) => process.exit(code ?? 0));

// Shopify's part: signed webhooks and storefront events from the seeded customers, on the shared clock.
async function simulateShopify() {
  const appUrl = `http://${host}:${port}`;
  for (let i = 0; i < 600; i++) {
    const up = await fetch(`${appUrl}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  traffic = await startDemoTraffic(db, {
    appUrl,
    shopDomain: DEMO_SHOP_DOMAIN,
    apiSecret: demoEnv.SHOPIFY_API_SECRET ?? secret,
    clock,
    // The server judges storefront event times by the same fast clock.
    pixelClock: clock,
    origin: plan.origin,
    after: plan.from,
    intervalMs: Number(process.env.DEMO_TRAFFIC_INTERVAL_MS ?? 1000),
    onProgress: (reached) => saveClock(shop.id, plan.origin, reached),
  });
  console.log("  Simulated store activity (checkouts, orders, shipping, returns, refunds, sign-ups, browsing) is arriving.\n");
}
if (process.env.DEMO_TRAFFIC !== "0") {
  void simulateShopify();
} else {
  // No traffic, but the flows still run on the clock: remember how far it got.
  progress = setInterval(() => saveClock(shop.id, plan.origin, clock.now()), 1000);
}
