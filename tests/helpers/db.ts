// A fresh, migrated database per call: a SQLite file in its own temp dir, or a PostgreSQL schema with
// a unique name. Safe with test files running in parallel; cleanup() removes it.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { adminQuery } from "../../app/db/adapters.server";
import { createPrismaClient, type Db } from "../../app/db/client.server";
import { applyMigrations, type MigrationOptions } from "../../app/db/migrations.server";
import { parsePostgresUrl, redactUrl, type DatabaseProvider } from "../../app/db/url";

/** The PostgreSQL database tests create their schemas in. */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL || "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  provider: DatabaseProvider;
  /** A DATABASE_URL for this database (file:/abs/path.db, or postgres...?schema=test_...). */
  url: string;
  prisma: Db;
  /** Disconnects and deletes the database; safe to call twice. */
  cleanup: () => Promise<void>;
}

export async function createTestDatabase(
  provider: DatabaseProvider,
  options: MigrationOptions = {},
): Promise<TestDatabase> {
  const { url, drop } = provider === "sqlite" ? await sqliteDatabase() : await postgresSchema();
  try {
    await applyMigrations(url, options);
  } catch (error) {
    await drop();
    throw error;
  }
  const prisma = createPrismaClient(url);
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await prisma.$disconnect();
      await drop();
    })());
  return { provider, url, prisma, cleanup };
}

async function sqliteDatabase() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shop-flows-db-"));
  return { url: `file:${path.join(dir, "test.db")}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

async function postgresSchema() {
  const server = parsePostgresUrl(TEST_POSTGRES_URL);
  try {
    await adminQuery(server, "SELECT 1");
  } catch (error) {
    // Never skip: a PostgreSQL test that cannot reach its server is a failure, with the reason.
    throw new Error(
      `PostgreSQL tests need a server at ${redactUrl(TEST_POSTGRES_URL)} (set TEST_POSTGRES_URL): ${(error as Error).message}`,
    );
  }
  const schema = `test_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set("schema", schema);
  return {
    url: url.href,
    drop: () => adminQuery(server, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}
