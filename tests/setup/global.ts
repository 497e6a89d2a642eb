import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { applyMigrations } from "../../app/db/migrations.server";

/**
 * Migrates one SQLite template per run; each test file starts from a copy of it (tests/setup/env.ts).
 * Each run has its own folder, so two runs on one machine never delete each other's databases.
 */
export default async function setup() {
  const dir = path.resolve("tests/.tmp", `run-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.TEST_TMP_DIR = dir;
  await applyMigrations(`file:${path.join(dir, "template.db")}`);
  return () => rmSync(dir, { recursive: true, force: true });
}
