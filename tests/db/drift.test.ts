// The committed migrations of each provider must build exactly the schema prisma/models.prisma describes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkModelsDrift, diffDatabaseToModels } from "../../app/db/migrations.server";
import { PROVIDERS } from "../../app/db/url";
import { createTestDatabase } from "../helpers/db";
import { addField, copyPrismaDir, runDbScript } from "../helpers/prisma-dir";

describe.each(PROVIDERS)("%s migrations", (provider) => {
  it("applied to a fresh database give exactly the schema of models.prisma", async () => {
    const db = await createTestDatabase(provider);
    try {
      const sql = await diffDatabaseToModels(db.url);
      expect(sql, `committed ${provider} migrations differ from models.prisma; missing:\n${sql}`).toBe("");
    } finally {
      await db.cleanup();
    }
  });
});

describe("the drift check", () => {
  it("finds the committed schemas and both migration histories up to date", async () => {
    const drift = await checkModelsDrift();
    const sql = drift.missingMigrations.map((m) => `-- ${m.provider}\n${m.sql}`).join("\n");
    expect(drift.missingMigrations, `run npm run db:migration -- <name>:\n${sql}`).toEqual([]);
    expect(drift.staleSchemas, "run npm run db:generate").toEqual([]);
  });

  it("agrees with `generate.ts --check` and `migrate.ts check`", async () => {
    const generate = await runDbScript("generate", ["--check"]);
    expect(generate.code, generate.stderr).toBe(0);
    const check = await runDbScript("migrate", ["check"]);
    expect(check.code, check.stderr).toBe(0);
  });

  describe("on a copy of prisma/ whose models gained a field without a migration", () => {
    let copy: Awaited<ReturnType<typeof copyPrismaDir>>;
    beforeAll(async () => {
      copy = await copyPrismaDir();
      await addField(copy.dir, "Shop", "driftProbe String?");
    });
    afterAll(() => copy?.cleanup());

    it("reports stale schemas and the missing SQL for both providers", async () => {
      const drift = await checkModelsDrift({ prismaDir: copy.dir });
      expect(drift.staleSchemas.sort()).toEqual([...PROVIDERS].sort());
      expect(drift.missingMigrations.map((m) => m.provider).sort()).toEqual([...PROVIDERS].sort());
      for (const { sql } of drift.missingMigrations) expect(sql).toMatch(/"driftProbe" TEXT/);
    });

    it("makes `migrate.ts check` fail with the drift in its message", async () => {
      const check = await runDbScript("migrate", ["check", "--prisma-dir", copy.dir]);
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(/DRIFT: sqlite migrations do not match models\.prisma/);
      expect(check.stderr).toMatch(/DRIFT: postgresql migrations do not match models\.prisma/);
      expect(check.stderr).toContain('"driftProbe"');
    });
  });
});
