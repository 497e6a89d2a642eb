// Runs the Prisma CLI's `generate` on machines that cannot download its native schema engine.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { schemaPath } from "../../app/db/schema-files";
import { DEFAULT_DATABASE_URL, PROVIDERS, type DatabaseProvider } from "../../app/db/url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const prismaDir = path.join(root, "prisma");

/** `prisma generate` for both schemas, in parallel: app/generated/prisma/<provider> and the classic client. */
export async function generateClients(): Promise<void> {
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: await schemaEngineBinary(), CHECKPOINT_DISABLE: "1" };
  await Promise.all(PROVIDERS.map((provider) => prismaGenerate(provider, env)));
}

/**
 * `prisma generate` refuses to start without a schema engine binary, which it would download from
 * binaries.prisma.sh, but never runs it. Any executable satisfies it; a real one set by the user wins.
 */
async function schemaEngineBinary(): Promise<string> {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  const windows = process.platform === "win32";
  const name = windows ? "schema-engine-stub.cmd" : "schema-engine-stub";
  const message = "Prisma's native schema engine is not installed here; use npm run db:migrate / db:migration.";
  const content = windows ? `@echo ${message} 1>&2\r\n@exit /b 1\r\n` : `#!/bin/sh\necho "${message}" >&2\nexit 1\n`;
  for (const dir of [path.join(root, "node_modules", ".cache", "prisma"), path.join(os.tmpdir(), "prisma-stub")]) {
    const file = path.join(dir, name);
    try {
      if ((await readFile(file, "utf8").catch(() => "")) !== content) {
        await mkdir(dir, { recursive: true });
        await writeFile(file, content, { mode: 0o755 });
      }
      return file;
    } catch {
      // read-only location: try the next one
    }
  }
  throw new Error("db:generate: could not write a schema engine stub in node_modules/.cache or the temp dir");
}

function prismaGenerate(provider: DatabaseProvider, env: NodeJS.ProcessEnv): Promise<void> {
  const require = createRequire(import.meta.url);
  const cli = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");
  const schema = path.relative(root, schemaPath(prismaDir, provider));
  // prisma.config.ts picks its schema from DATABASE_URL; --schema wins, and the URL is never used by
  // generate, but it must parse, so give each run a URL of its own provider.
  const databaseUrl = provider === "sqlite" ? DEFAULT_DATABASE_URL : "postgresql://localhost/generate";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "generate", "--schema", schema], {
      cwd: root,
      env: { ...env, DATABASE_URL: databaseUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`prisma generate --schema ${schema} failed (exit ${code}):\n${output}`));
    });
  });
}

