import db from "../db.server";
import { env } from "../env.server";
import { runsWorkerInProcess } from "../env.schema";
import { startBackfillWorker } from "../models/backfill.server";
import { adminGraphqlForShop } from "../services/shopify-admin.server";
import { startInboxWorker } from "./inbox-worker.server";

const globalForWorker = globalThis as typeof globalThis & {
  __inboxWorker?: ReturnType<typeof startInboxWorker>;
  __backfillWorker?: ReturnType<typeof startBackfillWorker>;
};

/** Starts the inbox and backfill workers inside the web process once (dev reloads modules; the global keeps one). */
export function ensureInProcessWorker() {
  if (!runsWorkerInProcess(env) || globalForWorker.__inboxWorker) return;
  globalForWorker.__inboxWorker = startInboxWorker(db, { owner: `web-${process.pid}` });
  globalForWorker.__backfillWorker = startBackfillWorker(db, adminGraphqlForShop);
  console.log("inbox and backfill workers running in this process");
}
