import { createPrismaClient } from "../app/db/client.server";
import { loadEnv } from "../app/env.schema";
import { startInboxWorker } from "../app/worker/inbox-worker.server";

/** npm run worker: drains the inbox in its own process; run as many as the load needs, on any machines. */
const env = loadEnv(process.env);
const db = createPrismaClient(env.DATABASE_URL);
const worker = startInboxWorker(db, { owner: `worker-${process.pid}` });
console.log(`inbox worker ${process.pid} draining ${env.DATABASE_URL.startsWith("file:") ? "SQLite" : "PostgreSQL"}`);

async function shutdown() {
  await worker.stop();
  await db.$disconnect();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
