import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { applyMigrations } from "../../app/db/migrations.server";

export const TMP_DIR = path.resolve("tests/.tmp");
export const TEMPLATE_DB = path.join(TMP_DIR, "template.db");

/** Migrates one SQLite template per run; each test file starts from a copy of it (tests/setup/env.ts). */
export default async function setup() {
  rmSync(TMP_DIR, { recursive: true, force: true });
  mkdirSync(TMP_DIR, { recursive: true });
  await applyMigrations(`file:${TEMPLATE_DB}`);
  return () => rmSync(TMP_DIR, { recursive: true, force: true });
}
