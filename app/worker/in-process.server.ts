import db from "../db.server";
import { env } from "../env.server";
import { runsWorkerInProcess } from "../env.schema";
import { startInboxWorker } from "./inbox-worker.server";

const globalForWorker = globalThis as typeof globalThis & { __inboxWorker?: ReturnType<typeof startInboxWorker> };

/** Starts the inbox worker inside the web process once (dev reloads modules; the global keeps one). */
export function ensureInProcessWorker() {
  if (!runsWorkerInProcess(env) || globalForWorker.__inboxWorker) return;
  globalForWorker.__inboxWorker = startInboxWorker(db, { owner: `web-${process.pid}` });
  console.log("inbox worker running in this process");
}
