// `migrate deploy`, `migrate dev` and drift checks on Prisma's WebAssembly schema engine, for both
// providers. The result is Prisma's standard migrations folder, so `prisma migrate deploy` reads it too.
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type {
  DiagnoseMigrationHistoryOutput,
  MigrationList,
  SchemaFilter,
} from "@prisma/schema-engine-wasm/schema_engine_bg";
import { adminQuery, migrationAdapter } from "./adapters.server";
import { withSchemaEngine, type SchemaContainer } from "./schema-engine.server";
import { defaultPrismaDir, migrationsPath, readModels, renderSchema, schemaPath, staleSchemas } from "./schema-files";
import { databaseProvider, parsePostgresUrl, PROVIDERS, redactUrl, sqliteFilePath, type DatabaseProvider } from "./url";

export const DEFAULT_SHADOW_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

export interface MigrationOptions {
  /** Folder holding models.prisma and <provider>/{schema.prisma,migrations}; default ./prisma. */
  prismaDir?: string;
}

export interface ScratchOptions extends MigrationOptions {
  /**
   * A PostgreSQL server (and database to connect to) where throwaway databases may be created;
   * default SHADOW_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres. Unused for SQLite.
   */
  shadowDatabaseUrl?: string;
}

/** The migrations folder of one provider in the engine's format. */
export async function readMigrationList(provider: DatabaseProvider, prismaDir = defaultPrismaDir()): Promise<MigrationList> {
  const baseDir = migrationsPath(prismaDir, provider);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const directories = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  // A folder without migrations has no lockfile yet; the engine still needs to know the provider.
  const lock = await readFile(path.join(baseDir, "migration_lock.toml"), "utf8").catch(() => lockfile(provider));
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: lock },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (directory) => {
        const file = path.join(baseDir, directory, "migration.sql");
        const content = await readFile(file, "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (error: Error) => ({ tag: "error" as const, value: error.message }),
        );
        return { path: directory, migrationFile: { path: "migration.sql", content } };
      }),
    ),
  };
}

/** `migrate deploy`: applies the committed migrations of the URL's provider; returns the names applied. */
export async function applyMigrations(databaseUrl: string, options: MigrationOptions = {}): Promise<string[]> {
  const prismaDir = options.prismaDir ?? defaultPrismaDir();
  const provider = databaseProvider(databaseUrl);
  if (provider === "sqlite") {
    await mkdir(path.dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  } else {
    const target = parsePostgresUrl(databaseUrl);
    if (target.schema !== "public") await adminQuery(target, `CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
  }
  const migrationsList = await readMigrationList(provider, prismaDir);
  const schema = await committedSchema(provider, prismaDir);
  const applied = await withSchemaEngine(migrationAdapter(databaseUrl), schema, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return result.appliedMigrationNames;
  });
  if (provider === "sqlite") useWriteAheadLog(sqliteFilePath(databaseUrl));
  return applied;
}

/**
 * WAL lets readers (dashboard) go on while a writer (webhooks, worker) commits, and web and worker processes
 * share one file. The mode is stored in the database file, so setting it once at migration time is enough.
 */
function useWriteAheadLog(file: string) {
  const sqlite = new Database(file);
  try {
    sqlite.pragma("journal_mode = WAL");
  } finally {
    sqlite.close();
  }
}

/** What the database's migrations table says against the migrations folder (`migrate status`). */
export async function migrationStatus(
  databaseUrl: string,
  options: MigrationOptions = {},
): Promise<DiagnoseMigrationHistoryOutput> {
  const prismaDir = options.prismaDir ?? defaultPrismaDir();
  const provider = databaseProvider(databaseUrl);
  const never: DiagnoseMigrationHistoryOutput = {
    editedMigrationNames: [],
    failedMigrationNames: [],
    hasMigrationsTable: false,
    history: null,
  };
  if (provider === "sqlite" && !existsSync(sqliteFilePath(databaseUrl))) return never; // opening would create it
  const migrationsList = await readMigrationList(provider, prismaDir);
  try {
    return await withSchemaEngine(migrationAdapter(databaseUrl), await committedSchema(provider, prismaDir), (engine) =>
      engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER }),
    );
  } catch (error) {
    if ((error as { code?: string }).code === "P1014") return never; // no _prisma_migrations table
    throw error;
  }
}

/**
 * SQL that would bring the provider's committed migrations to the schema models.prisma produces;
 * "" means no drift. Replays the migrations into a throwaway database.
 */
export async function diffMigrationsToModels(provider: DatabaseProvider, options: ScratchOptions = {}): Promise<string> {
  const prismaDir = options.prismaDir ?? defaultPrismaDir();
  const schema = await modelsSchema(provider, prismaDir);
  const migrations = await readMigrationList(provider, prismaDir);
  return withSchemaEngine(migrationAdapter(await scratchUrl(provider, options)), schema, async (engine) => {
    const result = await engine.diff({
      from: { tag: "migrations", ...migrations },
      to: { tag: "schemaDatamodel", files: schema },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    return emptyDiffAsBlank(result.stdout);
  });
}

/** SQL that would bring a live database to the schema models.prisma produces; "" means they match. */
export async function diffDatabaseToModels(databaseUrl: string, options: MigrationOptions = {}): Promise<string> {
  const prismaDir = options.prismaDir ?? defaultPrismaDir();
  const provider = databaseProvider(databaseUrl);
  const schema = await modelsSchema(provider, prismaDir);
  return withSchemaEngine(migrationAdapter(databaseUrl), schema, async (engine) => {
    const result = await engine.diff({
      from: { tag: "schemaDatasource", files: schema, configDir: prismaDir },
      to: { tag: "schemaDatamodel", files: schema },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    return emptyDiffAsBlank(result.stdout);
  });
}

export interface ModelsDrift {
  /** Providers whose prisma/<provider>/schema.prisma is not what models.prisma produces. */
  staleSchemas: DatabaseProvider[];
  /** Providers whose committed migrations do not reach models.prisma, with the SQL that is missing. */
  missingMigrations: { provider: DatabaseProvider; sql: string }[];
}

/** Whether models.prisma changed without `db:generate` / `db:migration`, for every provider. */
export async function checkModelsDrift(options: ScratchOptions = {}): Promise<ModelsDrift> {
  const prismaDir = options.prismaDir ?? defaultPrismaDir();
  const missingMigrations: ModelsDrift["missingMigrations"] = [];
  for (const provider of PROVIDERS) {
    const sql = await diffMigrationsToModels(provider, { ...options, prismaDir });
    if (sql) missingMigrations.push({ provider, sql });
  }
  return { staleSchemas: await staleSchemas(prismaDir), missingMigrations };
}

export interface CreatedMigration {
  provider: DatabaseProvider;
  name: string;
  file: string;
}

/**
 * `migrate dev` without applying: writes <timestamp>_<name>/migration.sql for every provider whose
 * committed migrations differ from prisma/<provider>/schema.prisma. Returns what was written (maybe nothing).
 */
export async function createMigrations(name: string, options: ScratchOptions = {}): Promise<CreatedMigration[]> {
  const prismaDir = options.prismaDir ?? defaultPrismaDir();
  const directory = `${timestamp(new Date())}_${migrationSlug(name)}`;
  const created: CreatedMigration[] = [];
  for (const provider of PROVIDERS) {
    const schema = await committedSchema(provider, prismaDir);
    const migrationsList = await readMigrationList(provider, prismaDir);
    // The engine builds a migration against a database that has the history applied.
    const script = await withScratchDatabase(provider, options, (url) =>
      withSchemaEngine(migrationAdapter(url), schema, async (engine) => {
        await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
        const { action } = await engine.devDiagnostic({ migrationsList, filters: NO_FILTER });
        if (action.tag === "reset") throw new Error(`${provider} migrations do not replay cleanly: ${action.reason}`);
        const result = await engine.createMigration({
          draft: false,
          migrationName: name,
          migrationsList,
          schema: { files: schema },
          filters: NO_FILTER,
        });
        return result.migrationScript;
      }),
    );
    if (!script) continue;
    const baseDir = migrationsPath(prismaDir, provider);
    const file = path.join(baseDir, directory, "migration.sql");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, script);
    await writeFile(path.join(baseDir, "migration_lock.toml"), lockfile(provider));
    created.push({ provider, name: directory, file });
  }
  return created;
}

async function committedSchema(provider: DatabaseProvider, prismaDir: string): Promise<SchemaContainer[]> {
  const file = schemaPath(prismaDir, provider);
  const content = await readFile(file, "utf8").catch(() => {
    throw new Error(`${file} is missing: run \`npm run db:generate\` first`);
  });
  return [{ path: file, content }];
}

async function modelsSchema(provider: DatabaseProvider, prismaDir: string): Promise<SchemaContainer[]> {
  const content = renderSchema(provider, await readModels(prismaDir));
  return [{ path: schemaPath(prismaDir, provider), content }];
}

/**
 * A connection for operations that only need the engine's shadow database: in-memory SQLite, or the
 * PostgreSQL server where throwaway databases may be created (checked here, for a clear message).
 */
async function scratchUrl(provider: DatabaseProvider, options: ScratchOptions): Promise<string> {
  if (provider === "sqlite") return "file::memory:";
  const url = options.shadowDatabaseUrl ?? process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL;
  try {
    await adminQuery(parsePostgresUrl(url), "SELECT 1");
  } catch (error) {
    throw new Error(
      `PostgreSQL migrations are built and checked on a server where databases can be created; ` +
        `set SHADOW_DATABASE_URL (now ${redactUrl(url)}): ${(error as Error).message}`,
    );
  }
  return url;
}

/** Runs `work` on an empty throwaway database: in-memory SQLite, or a new database on the shadow server. */
async function withScratchDatabase<T>(
  provider: DatabaseProvider,
  options: ScratchOptions,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const url = await scratchUrl(provider, options);
  if (provider === "sqlite") return work(url);
  const server = new URL(url);
  const target = parsePostgresUrl(server.href);
  const database = `prisma_scratch_${randomUUID().replaceAll("-", "")}`;
  await adminQuery(target, `CREATE DATABASE "${database}"`);
  try {
    server.pathname = `/${database}`;
    server.searchParams.delete("schema");
    return await work(server.href);
  } finally {
    await adminQuery(target, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

function emptyDiffAsBlank(stdout: string | null): string {
  const script = (stdout ?? "").trim();
  return script === "" || /^-- This is an empty migration\.?$/.test(script) ? "" : script;
}

function lockfile(provider: DatabaseProvider): string {
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

function migrationSlug(name: string): string {
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  if (!slug) throw new Error(`Migration name "${name}" has no letters or digits`);
  return slug;
}
