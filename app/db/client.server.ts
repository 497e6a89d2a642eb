// The Prisma client for DATABASE_URL: SQLite through better-sqlite3, PostgreSQL through pg
// (docs/decisions/002-two-databases.md).
import { PrismaClient as PostgresClient } from "../generated/prisma/postgresql/client";
import { PrismaClient as SqliteClient } from "../generated/prisma/sqlite/client";
import { runtimeAdapter } from "./adapters.server";
import { databaseProvider, type DatabaseProvider } from "./url";

export { databaseProvider, type DatabaseProvider } from "./url";

/**
 * The one client type app code sees, whatever the database. Both clients are generated from the same
 * models; SQLite's API is the common subset (no `mode: "insensitive"`, no `skipDuplicates`), so code
 * typed against it runs on PostgreSQL too. The error classes, `Prisma.sql` and the Json null values
 * come from the shared runtime, so this `Prisma` namespace serves both.
 */
export type Db = SqliteClient;
/** A client or an interactive transaction: what model functions that may run inside a transaction take. */
export type DbOrTx = Db | Prisma.TransactionClient;
import { Prisma } from "../generated/prisma/sqlite/client";
export { Prisma };
export type * from "../generated/prisma/sqlite/client"; // model row types: Shop, Profile, ...

const providers = new WeakMap<object, DatabaseProvider>();

/** Which database a client talks to, for the few queries that differ (e.g. SKIP LOCKED on PostgreSQL). */
export function providerOf(db: Db): DatabaseProvider {
  const provider = providers.get(db);
  if (!provider) throw new Error("providerOf: not a client made by createPrismaClient");
  return provider;
}

/** A client for `databaseUrl` (file: paths resolve against the working directory; postgres honours ?schema=). */
export function createPrismaClient(databaseUrl: string): Db {
  const adapter = runtimeAdapter(databaseUrl);
  const provider = databaseProvider(databaseUrl);
  // The one cast: the PostgreSQL client, seen through the common-subset type (see Db).
  const client = provider === "sqlite" ? new SqliteClient({ adapter }) : (new PostgresClient({ adapter }) as unknown as Db);
  providers.set(client, provider);
  return client;
}
