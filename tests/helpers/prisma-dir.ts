// A disposable copy of prisma/ for tests that change models or add migrations, and a runner for the
// project's db scripts. The real prisma/ folder is never written.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export async function copyPrismaDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), "shop-flows-prisma-"));
  const dir = path.join(base, "prisma");
  await cp(path.join(REPO_ROOT, "prisma"), dir, { recursive: true });
  return { dir, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** Adds a field line to a model of the copy's models.prisma. */
export async function addField(prismaDir: string, model: string, field: string): Promise<void> {
  const file = path.join(prismaDir, "models.prisma");
  const models = await readFile(file, "utf8");
  const header = new RegExp(`^model ${model} \\{\\n`, "m");
  if (!header.test(models)) throw new Error(`model ${model} not found in ${file}`);
  await writeFile(file, models.replace(header, (line) => `${line}  ${field}\n`));
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs scripts/db/<script>.ts through tsx, as npm run would. */
export function runDbScript(script: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
  return new Promise((resolve) => {
    execFile(
      tsx,
      [path.join(REPO_ROOT, "scripts", "db", `${script}.ts`), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
