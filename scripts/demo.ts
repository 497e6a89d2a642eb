import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createPrismaClient } from "../app/db/client.server";
import { startDemoTraffic } from "../app/demo/traffic.server";
import { DEMO_SHOP_DOMAIN } from "../app/demo/seed.server";

/**
 * npm run demo: migrate the embedded SQLite database, seed the demo shop, build, and serve the
 * production build on loopback with the demo login. Everything it needs is in this repo.
 */
const port = process.env.PORT ?? "3000";
const host = "127.0.0.1";
const databaseUrl = process.env.DATABASE_URL ?? "file:./data/app.db";

// The demo's secrets are made here and kept in data/ so the login survives a restart; they sign nothing real.
function demoSecret(): string {
  const file = path.resolve("data/demo-secret");
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

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
step("Seeding the demo shop", "npx", ["tsx", "scripts/seed-demo.ts"]);
if (process.env.DEMO_SKIP_BUILD !== "1" || !existsSync("build/server/index.js")) {
  step("Building the app", "npx", ["remix", "vite:build"]);
}

console.log(`\n> Starting the app\n\n  Open http://${host}:${port}/ and choose "Open Northwind Outfitters".\n  Stop with Ctrl+C.\n`);
const server = spawn("npx", ["tsx", "server.ts"], { stdio: "inherit", env: demoEnv });
let traffic: { stop(): void } | undefined;
const stop = () => {
  traffic?.stop();
  server.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", (code) => process.exit(code ?? 0));

// Shopify's part: signed webhooks of new checkouts, orders and subscribers, so the dashboard moves.
async function simulateShopify() {
  const appUrl = `http://${host}:${port}`;
  for (let i = 0; i < 600; i++) {
    const up = await fetch(`${appUrl}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  traffic = await startDemoTraffic(createPrismaClient(databaseUrl), {
    appUrl,
    shopDomain: DEMO_SHOP_DOMAIN,
    apiSecret: demoEnv.SHOPIFY_API_SECRET ?? secret,
    intervalMs: Number(process.env.DEMO_TRAFFIC_INTERVAL_MS ?? 4000),
  });
  console.log("  Simulated store activity (checkouts, orders, new subscribers) is arriving as signed webhooks.\n");
}
if (process.env.DEMO_TRAFFIC !== "0") void simulateShopify();
