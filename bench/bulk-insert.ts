// Bulk inserts for generating benchmark data: hundreds of thousands of rows a second, where the Prisma client's
// createMany manages a few thousand. Rows are written the way Prisma stores them, so the app reads them as its own.
import Database from "better-sqlite3";
import pg from "pg";
import type { TestDatabase } from "../tests/helpers/db";

export type BulkRow = Record<string, string | number | bigint | boolean | Date | object | null>;
export type BulkWriter = { insert: (table: string, rows: BulkRow[]) => Promise<void>; close: () => Promise<void> };

/** Prisma's SQLite adapter keeps DateTime as ISO text with "+00:00"; comparisons are on that text. */
function sqliteValue(value: BulkRow[string]) {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return value;
}

/** TIMESTAMP(3) without a zone holds UTC: written as text, so the client's timezone cannot shift it. */
function postgresValue(value: BulkRow[string]) {
  if (value instanceof Date) return value.toISOString().replace("Z", "");
  if (typeof value === "bigint") return value.toString();
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return value;
}

const quote = (name: string) => `"${name}"`;

export async function bulkWriter(database: TestDatabase): Promise<BulkWriter> {
  if (database.provider === "sqlite") {
    const db = new Database(database.url.replace(/^file:/, ""));
    db.pragma("journal_mode = WAL");
    const statements = new Map<string, Database.Statement>();
    return {
      insert: async (table, rows) => {
        if (rows.length === 0) return;
        const columns = Object.keys(rows[0]);
        const key = `${table}:${columns.join(",")}`;
        let statement = statements.get(key);
        if (!statement) {
          statement = db.prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
          statements.set(key, statement);
        }
        const write = statement;
        db.transaction(() => {
          for (const row of rows) write.run(...columns.map((c) => sqliteValue(row[c])));
        })();
      },
      close: async () => void db.close(),
    };
  }
  const url = new URL(database.url);
  const schema = url.searchParams.get("schema") ?? "public";
  url.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  return {
    insert: async (table, rows) => {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      // PostgreSQL takes at most 65,535 parameters a statement.
      const perStatement = Math.floor(60_000 / columns.length);
      for (let at = 0; at < rows.length; at += perStatement) {
        const slice = rows.slice(at, at + perStatement);
        const values: unknown[] = [];
        const tuples = slice.map((row) => `(${columns.map((c) => `$${values.push(postgresValue(row[c]))}`).join(", ")})`);
        await client.query(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${tuples.join(", ")}`, values);
      }
    },
    close: () => client.end(),
  };
}
