// Driver adapters for the schema engine (migrations) and for the Prisma client (runtime).
// Each workaround below is a pitfall of the 7.10.0 adapters, see docs/decisions/001-offline-prisma-tooling.md.
import { randomUUID } from "node:crypto";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory, SqlQuery } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { databaseProvider, parsePostgresUrl, sqliteFilePath, type PostgresTarget } from "./url";

const PG_CHAR_OID = 18; // the internal one-byte "char" type of pg_catalog columns
const PG_TEXT_OID = 25;

/**
 * The SQLite factory with per-connection settings: the database runs in WAL mode (set at migration), where
 * synchronous=NORMAL keeps every commit safe from a crash of the app and skips an fsync per transaction
 * (a power cut can lose the last commits; PostgreSQL is the production choice where that matters).
 */
function tunedSqlite(file: string): SqlDriverAdapterFactory {
  const inner = new PrismaBetterSqlite3({ url: file });
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      await adapter.executeScript("PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
      return yieldingToTheEventLoop(adapter);
    },
  };
}

/** Longest stretch of back-to-back SQLite queries before the event loop gets a turn. */
export const SQLITE_SLICE_MS = 10;

/**
 * better-sqlite3 answers synchronously, so a chain of awaited queries (a worker pass over hundreds of events) runs
 * as one unbroken microtask chain: the web requests of the same process wait for all of it (seen as 0.5-1 s
 * stalls of /healthz in the demo, whose workers run in the web process). Before a query or transaction that
 * starts outside a transaction, this gives the event loop a turn once the chain has run for SQLITE_SLICE_MS.
 * Queries inside a transaction never yield: on the one shared connection, a request's query would otherwise run
 * inside another's transaction.
 */
export function yieldingToTheEventLoop(adapter: SqlDriverAdapter): SqlDriverAdapter {
  let sliceStart = performance.now();
  const turn = async () => {
    if (performance.now() - sliceStart < SQLITE_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };
  return new Proxy(adapter, {
    get(target, property) {
      if (property === "queryRaw" || property === "executeRaw" || property === "startTransaction") {
        const method = target[property] as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          await turn();
          return method.apply(target, args);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Adapter factory the Prisma client uses at runtime. */
export function runtimeAdapter(databaseUrl: string): SqlDriverAdapterFactory {
  if (databaseProvider(databaseUrl) === "sqlite") return tunedSqlite(sqliteFilePath(databaseUrl));
  const target = parsePostgresUrl(databaseUrl);
  return new PrismaPg(poolConfig(target), { schema: target.schema });
}

/** Adapter factory for the schema engine: `connect` reaches the database, `connectToShadowDb` a throwaway one. */
export function migrationAdapter(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  if (databaseProvider(databaseUrl) === "sqlite") {
    return sqliteMigrationAdapter(databaseUrl === "file::memory:" ? ":memory:" : sqliteFilePath(databaseUrl));
  }
  return pgMigrationAdapter(parsePostgresUrl(databaseUrl));
}

function sqliteMigrationAdapter(file: string): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaBetterSqlite3({ url: file }); // its shadow database is :memory:
  return {
    provider: "sqlite",
    adapterName: inner.adapterName,
    connect: () => inner.connect(),
    // The engine replays migration files into the shadow database through executeRaw, which
    // better-sqlite3 refuses for more than one statement.
    connectToShadowDb: async () => withScriptFallback(await inner.connectToShadowDb()),
  };
}

function withScriptFallback(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = async (query: SqlQuery): Promise<number> => {
    try {
      return await adapter.executeRaw(query);
    } catch (error) {
      if (query.args.length > 0 || !String((error as Error).message).includes("more than one statement")) throw error;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
  return new Proxy(adapter, {
    get(target, property) {
      if (property === "executeRaw") return executeRaw;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function pgMigrationAdapter(target: PostgresTarget): SqlMigrationAwareDriverAdapterFactory {
  const adapterName = new PrismaPg(target.config).adapterName;
  return {
    provider: "postgres",
    adapterName,
    connect: () => new PrismaPg(charAsTextPool(poolConfig(target)), { schema: target.schema, disposeExternalPool: true }).connect(),
    connectToShadowDb: async () => {
      // Created here rather than by PrismaPg.connectToShadowDb, which reuses a connectionString
      // (landing in the main database) and drops the database before closing its pool.
      const database = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
      await adminQuery(target, `CREATE DATABASE "${database}"`);
      const adapter = await new PrismaPg(charAsTextPool({ ...target.config, database }), {
        disposeExternalPool: true,
      }).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await adminQuery(target, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      };
      return adapter;
    },
  };
}

/** Pool settings for a target: discrete parameters and the search_path of its `?schema=`. */
function poolConfig(target: PostgresTarget): pg.PoolConfig {
  const options = target.schema === "public" ? undefined : `-c search_path=${target.schema}`;
  return { ...target.config, ...(options ? { options } : {}) };
}

/**
 * adapter-pg cannot map "char" (oid 18) columns, which the engine's catalogue queries return;
 * node-postgres already parses them as text, so reporting them as text is exact.
 */
function charAsTextPool(config: pg.PoolConfig): pg.Pool {
  const retype = (result: pg.QueryResult | undefined) => {
    for (const field of result?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    return result;
  };
  const pool = new pg.Pool(config);
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    // Pool#query calls this with a callback, transactions call it for a promise.
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback === "function") {
        return query(...args.slice(0, -1), (error: Error | null, result?: pg.QueryResult) =>
          callback(error, retype(result)),
        );
      }
      const result = query(...args);
      return result instanceof Promise ? result.then(retype) : result;
    };
  });
  return pool;
}

/** One statement on the target's server, through a short-lived connection. */
export async function adminQuery(target: PostgresTarget, sql: string): Promise<void> {
  const client = new pg.Client(target.config);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
