// Migrations without Prisma's native engine (docs/decisions/001-offline-prisma-tooling.md).
//   deploy          apply committed migrations to DATABASE_URL (default file:./data/app.db)   npm run db:migrate
//   dev <name>      new migration for both providers from prisma/models.prisma, then deploy  npm run db:migration -- <name>
//   check           models.prisma vs both schemas and both migration histories             npm run db:check
//   status          check, plus DATABASE_URL's migration history and live schema           npm run db:status
// --prisma-dir <dir> works on another copy of prisma/ (tests); it skips client generation.
import path from "node:path";
import {
  applyMigrations,
  checkModelsDrift,
  createMigrations,
  diffDatabaseToModels,
  migrationStatus,
} from "../../app/db/migrations.server";
import { writeSchemas } from "../../app/db/schema-files";
import { databaseProvider, DEFAULT_DATABASE_URL, redactUrl } from "../../app/db/url";
import { generateClients, prismaDir as repoPrismaDir } from "./prisma-cli";

const USAGE = "usage: tsx scripts/db/migrate.ts deploy | dev <name> | check | status [--prisma-dir <dir>]";

async function main(argv: string[]): Promise<number> {
  const { command, name, prismaDir } = parseArgs(argv);
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const where = `${databaseProvider(databaseUrl)} ${redactUrl(databaseUrl)}`;
  switch (command) {
    case "deploy":
      report(`deploy to ${where}`, await applyMigrations(databaseUrl, { prismaDir }));
      return 0;
    case "dev":
      if (!name) throw new Error(`${USAGE}\n(dev needs a migration name, e.g. npm run db:migration -- add_product_tags)`);
      return dev(name, databaseUrl, where, prismaDir);
    case "check":
      return (await check(prismaDir)) ? 0 : 1;
    case "status":
      return (await check(prismaDir)) && (await status(databaseUrl, where, prismaDir)) ? 0 : 1;
    default:
      throw new Error(USAGE);
  }
}

async function dev(name: string, databaseUrl: string, where: string, prismaDir: string): Promise<number> {
  const written = await writeSchemas(prismaDir);
  if (written.length > 0) console.log(`wrote ${written.map((p) => `${p}/schema.prisma`).join(", ")}`);
  const created = await createMigrations(name, { prismaDir });
  if (created.length === 0) console.log("No change in prisma/models.prisma since the last migration: nothing created.");
  for (const migration of created) console.log(`created ${path.relative(process.cwd(), migration.file)}`);
  report(`deploy to ${where}`, await applyMigrations(databaseUrl, { prismaDir }));
  if (prismaDir === repoPrismaDir) await generateClients();
  else console.log("(clients not regenerated: --prisma-dir is not this repository's prisma/)");
  return 0;
}

/** Reports schema files or migrations that lag behind models.prisma; true when there is none. */
async function check(prismaDir: string): Promise<boolean> {
  const drift = await checkModelsDrift({ prismaDir });
  for (const provider of drift.staleSchemas) {
    console.error(`DRIFT: ${provider}/schema.prisma is out of date with models.prisma: run npm run db:generate`);
  }
  for (const { provider, sql } of drift.missingMigrations) {
    console.error(`DRIFT: ${provider} migrations do not match models.prisma. The missing migration:\n${sql}\n`);
  }
  if (drift.missingMigrations.length > 0) console.error("Create it with: npm run db:migration -- <name>");
  const ok = drift.staleSchemas.length === 0 && drift.missingMigrations.length === 0;
  if (ok) console.log("check: schemas and both migration histories match prisma/models.prisma");
  return ok;
}

async function status(databaseUrl: string, where: string, prismaDir: string): Promise<boolean> {
  const history = await migrationStatus(databaseUrl, { prismaDir });
  const problems: string[] = [];
  const diagnostic = history.history;
  if (!history.hasMigrationsTable) {
    problems.push("no migrations applied yet (run npm run db:migrate)");
  } else {
    if (history.failedMigrationNames.length) problems.push(`failed: ${history.failedMigrationNames.join(", ")}`);
    if (history.editedMigrationNames.length) problems.push(`edited after apply: ${history.editedMigrationNames.join(", ")}`);
    if (diagnostic?.diagnostic === "databaseIsBehind") {
      problems.push(`not applied yet: ${diagnostic.unappliedMigrationNames.join(", ")} (run npm run db:migrate)`);
    } else if (diagnostic) {
      problems.push(`history differs from the migrations folder: ${JSON.stringify(diagnostic)}`);
    } else {
      const sql = await diffDatabaseToModels(databaseUrl, { prismaDir });
      if (sql) problems.push(`the database schema differs from models.prisma; changed by hand? To match:\n${sql}`);
    }
  }
  for (const problem of problems) console.error(`${where}: ${problem}`);
  if (problems.length === 0) console.log(`${where}: up to date`);
  return problems.length === 0;
}

function report(what: string, applied: string[]): void {
  console.log(applied.length ? `${what}: applied ${applied.join(", ")}` : `${what}: already up to date`);
}

function parseArgs(argv: string[]) {
  const rest = [...argv];
  let prismaDir = repoPrismaDir;
  const flag = rest.indexOf("--prisma-dir");
  if (flag !== -1) {
    const dir = rest[flag + 1];
    if (!dir) throw new Error(USAGE);
    prismaDir = path.resolve(dir);
    rest.splice(flag, 2);
  }
  return { command: rest[0], name: rest.slice(1).join("_") || undefined, prismaDir };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
