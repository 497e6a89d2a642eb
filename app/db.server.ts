import { createPrismaClient, type Db } from "./db/client.server";
import { env } from "./env.server";

// One client per process; dev HMR re-imports modules, so keep it on globalThis.
const globalForDb = globalThis as typeof globalThis & { __db?: Db };

const db: Db = globalForDb.__db ?? createPrismaClient(env.DATABASE_URL);
if (env.NODE_ENV !== "production") globalForDb.__db = db;

export default db;
export type { Db };
