import db from "../db.server";
import { env } from "../env.server";
import { runsWorkerInProcess } from "../env.schema";
import { startBackfillWorker } from "../models/backfill.server";
import { adminGraphqlForShop } from "../services/shopify-admin.server";
import { mailerFromEnv } from "../services/mailer/resend.server";
import { startFlowWorker } from "./flow-worker.server";
import { startInboxWorker } from "./inbox-worker.server";

const globalForWorker = globalThis as typeof globalThis & {
  __inboxWorker?: ReturnType<typeof startInboxWorker>;
  __backfillWorker?: ReturnType<typeof startBackfillWorker>;
  __flowWorker?: ReturnType<typeof startFlowWorker>;
};

/** Starts the inbox, flow and backfill workers inside the web process once (dev reloads modules; the global keeps one). */
export function ensureInProcessWorker() {
  if (!runsWorkerInProcess(env) || globalForWorker.__inboxWorker) return;
  globalForWorker.__inboxWorker = startInboxWorker(db, { owner: `web-${process.pid}` });
  globalForWorker.__backfillWorker = startBackfillWorker(db, adminGraphqlForShop);
  globalForWorker.__flowWorker = startFlowWorker(db, mailerFromEnv(env));
  console.log("inbox, flow and backfill workers running in this process");
}
