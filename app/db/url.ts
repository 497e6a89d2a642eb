// Pure parsing of DATABASE_URL, shared by the app, the db scripts and prisma.config.ts
// (which must not pull in database drivers).
import path from "node:path";

export type DatabaseProvider = "sqlite" | "postgresql";

export const PROVIDERS: readonly DatabaseProvider[] = ["sqlite", "postgresql"];

/** The embedded default when DATABASE_URL is unset. */
export const DEFAULT_DATABASE_URL = "file:./data/app.db";

/** Which database a URL points at; anything but file: or postgres(ql): is an error naming DATABASE_URL. */
export function databaseProvider(url: string): DatabaseProvider {
  if (url.startsWith("file:")) return "sqlite";
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return "postgresql";
  const scheme = url.includes(":") ? `"${url.slice(0, url.indexOf(":") + 1)}"` : "no scheme";
  throw new Error(
    `DATABASE_URL must start with file: (SQLite) or postgres:// / postgresql:// (PostgreSQL); got ${scheme}`,
  );
}

/** Absolute path of a file: URL, relative paths resolved against cwd; query parameters are dropped. */
export function sqliteFilePath(url: string, cwd: string = process.cwd()): string {
  if (databaseProvider(url) !== "sqlite") throw new Error(`Not a SQLite URL: ${redactUrl(url)}`);
  const file = url.slice("file:".length).replace(/[?#].*$/, "");
  if (file === "") throw new Error("DATABASE_URL file: has no path, e.g. file:./data/app.db");
  return path.resolve(cwd, file.startsWith("//") ? file.slice(2) : file);
}

export interface PostgresTarget {
  /** Discrete connection parameters: a connectionString would override `database` in derived pools. */
  config: {
    host: string;
    port: number;
    user: string;
    password?: string;
    database: string;
    ssl?: boolean | { rejectUnauthorized: boolean };
  };
  /** The `?schema=` search parameter; "public" when absent. */
  schema: string;
}

export function parsePostgresUrl(url: string): PostgresTarget {
  if (databaseProvider(url) !== "postgresql") throw new Error(`Not a PostgreSQL URL: ${redactUrl(url)}`);
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") || "public";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new Error(`DATABASE_URL ?schema= must be a plain identifier (letters, digits, _); got "${schema}"`);
  }
  const sslmode = parsed.searchParams.get("sslmode");
  const ssl =
    sslmode === null || sslmode === "disable" || sslmode === "prefer"
      ? undefined
      : sslmode === "no-verify"
        ? { rejectUnauthorized: false }
        : true;
  return {
    config: {
      host: decodeURIComponent(parsed.hostname) || "localhost",
      port: parsed.port ? Number(parsed.port) : 5432,
      user: decodeURIComponent(parsed.username) || "postgres",
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      database: decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres",
      ...(ssl === undefined ? {} : { ssl }),
    },
    schema,
  };
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}
