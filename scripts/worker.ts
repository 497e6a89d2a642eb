import { createPrismaClient } from "../app/db/client.server";
import { loadEnv } from "../app/env.schema";
import { startBackfillWorker } from "../app/models/backfill.server";
import { webhookSecretFor } from "../app/services/outgoing-webhook.server";
import { adminGraphqlForShop } from "../app/services/shopify-admin.server";
import { mailerFromEnv } from "../app/services/mailer/resend.server";
import { startFlowWorker } from "../app/worker/flow-worker.server";
import { startInboxWorker } from "../app/worker/inbox-worker.server";
import { startShopifyTaskWorker } from "../app/worker/shopify-tasks.server";

/** npm run worker: drains the inbox, runs flows and advances backfills in its own process; run as many as the load needs, on any machines. */
const env = loadEnv(process.env);
const db = createPrismaClient(env.DATABASE_URL);
const worker = startInboxWorker(db, { owner: `worker-${process.pid}` });
// Imports of existing customers and orders; any number of workers share them (a batch is claimed with a check).
const backfill = startBackfillWorker(db, adminGraphqlForShop);
// Flows: triggers from new events, due steps, then delivery of queued emails (Resend, or the outbox without a key).
const flows = startFlowWorker(db, mailerFromEnv(env));
// Writes to Shopify queued by requests (consent changes, signups, sales-ready tags) and sales-ready CRM webhooks,
// each task leased so workers never share one.
const shopifyTasks = startShopifyTaskWorker(db, {
  adminFor: adminGraphqlForShop,
  owner: `worker-${process.pid}`,
  webhookSecret: (shopId) => webhookSecretFor(env.SESSION_SECRET, shopId),
});
console.log(`inbox worker ${process.pid} draining ${env.DATABASE_URL.startsWith("file:") ? "SQLite" : "PostgreSQL"}`);

async function shutdown() {
  await Promise.all([worker.stop(), backfill.stop(), flows.stop(), shopifyTasks.stop()]);
  await db.$disconnect();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
