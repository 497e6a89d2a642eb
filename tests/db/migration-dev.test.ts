// `npm run db:migration -- <name>` on a copy of prisma/: one new migration per provider, which then
// deploys to fresh SQLite and PostgreSQL databases.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkModelsDrift } from "../../app/db/migrations.server";
import { migrationsPath } from "../../app/db/schema-files";
import { PROVIDERS } from "../../app/db/url";
import { createTestDatabase } from "../helpers/db";
import { addField, copyPrismaDir, REPO_ROOT, runDbScript } from "../helpers/prisma-dir";

describe("a migration added with the project script", () => {
  let copy: Awaited<ReturnType<typeof copyPrismaDir>>;
  let before: Record<string, string[]>;
  let created: Record<string, string>;

  beforeAll(async () => {
    before = await listMigrations(path.join(REPO_ROOT, "prisma"));
    copy = await copyPrismaDir();
    await addField(copy.dir, "Shop", "loyaltyTier String @default(\"none\")");
    const devDb = `file:${path.join(copy.dir, "..", "dev.db")}`;
    const run = await runDbScript("migrate", ["dev", "add_loyalty_tier", "--prisma-dir", copy.dir], {
      DATABASE_URL: devDb,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(devDb.slice("file:".length))).toBe(true);
    const after = await listMigrations(copy.dir);
    created = {};
    for (const provider of PROVIDERS) {
      const added = after[provider].filter((name) => !before[provider].includes(name));
      expect(added, `${provider}: one new migration`).toHaveLength(1);
      expect(added[0]).toMatch(/^\d{14}_add_loyalty_tier$/);
      created[provider] = added[0];
    }
  });
  afterAll(() => copy?.cleanup());

  it("writes the same migration name for both providers with the new column", async () => {
    expect(created.sqlite).toBe(created.postgresql);
    for (const provider of PROVIDERS) {
      const sql = await readFile(path.join(migrationsPath(copy.dir, provider), created[provider], "migration.sql"), "utf8");
      expect(sql).toMatch(/"loyaltyTier" TEXT NOT NULL DEFAULT 'none'/);
    }
  });

  it("leaves the copy free of drift and the repository's prisma/ untouched", async () => {
    const drift = await checkModelsDrift({ prismaDir: copy.dir });
    expect(drift).toEqual({ staleSchemas: [], missingMigrations: [] });
    expect(await listMigrations(path.join(REPO_ROOT, "prisma"))).toEqual(before);
  });

  it("creates nothing when run again without changes", async () => {
    const listed = await listMigrations(copy.dir);
    const run = await runDbScript("migrate", ["dev", "again", "--prisma-dir", copy.dir], {
      DATABASE_URL: `file:${path.join(copy.dir, "..", "dev.db")}`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/nothing created/);
    expect(await listMigrations(copy.dir)).toEqual(listed);
  });

  it.each(PROVIDERS)("deploys to a fresh %s database", async (provider) => {
    const db = await createTestDatabase(provider, { prismaDir: copy.dir });
    try {
      const columns =
        provider === "sqlite"
          ? await db.prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('Shop')`)
          : await db.prisma.$queryRawUnsafe<{ name: string }[]>(
              `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'Shop'`,
            );
      expect(columns.map((column) => column.name)).toContain("loyaltyTier");
      const applied = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
        `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
      );
      expect(applied.map((row) => row.migration_name)).toContain(created[provider]);
    } finally {
      await db.cleanup();
    }
  });
});

async function listMigrations(prismaDir: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const provider of PROVIDERS) {
    const entries = await readdir(migrationsPath(prismaDir, provider), { withFileTypes: true });
    result[provider] = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  }
  return result;
}
