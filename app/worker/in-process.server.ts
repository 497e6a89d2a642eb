import db from "../db.server";
import { env } from "../env.server";
import { demoClockFromEnv } from "../demo/demo-clock";
import { runsWorkerInProcess } from "../env.schema";
import { startBackfillWorker } from "../models/backfill.server";
import { webhookSecretFor } from "../services/outgoing-webhook.server";
import { adminGraphqlForShop } from "../services/shopify-admin.server";
import { mailerFromEnv } from "../services/mailer/resend.server";
import { startFlowWorker } from "./flow-worker.server";
import { startInboxWorker } from "./inbox-worker.server";
import { startShopifyTaskWorker } from "./shopify-tasks.server";

const globalForWorker = globalThis as typeof globalThis & {
  __inboxWorker?: ReturnType<typeof startInboxWorker>;
  __backfillWorker?: ReturnType<typeof startBackfillWorker>;
  __flowWorker?: ReturnType<typeof startFlowWorker>;
  __shopifyTaskWorker?: ReturnType<typeof startShopifyTaskWorker>;
};

/** Starts the inbox, flow and backfill workers inside the web process once (dev reloads modules; the global keeps one). */
export function ensureInProcessWorker() {
  if (!runsWorkerInProcess(env) || globalForWorker.__inboxWorker) return;
  // The demo's fast clock when the demo set one, else real time.
  const clock = demoClockFromEnv(env);
  globalForWorker.__inboxWorker = startInboxWorker(db, { owner: `web-${process.pid}`, now: () => clock.now() });
  globalForWorker.__backfillWorker = startBackfillWorker(db, adminGraphqlForShop);
  globalForWorker.__flowWorker = startFlowWorker(db, mailerFromEnv(env), { clock });
  // Real time, not the demo's clock: these writes go to real Shopify stores (demo shops' tasks are skipped).
  globalForWorker.__shopifyTaskWorker = startShopifyTaskWorker(db, {
    adminFor: adminGraphqlForShop,
    owner: `web-${process.pid}`,
    webhookSecret: (shopId) => webhookSecretFor(env.SESSION_SECRET, shopId),
  });
  console.log("inbox, flow and backfill workers running in this process");
}
