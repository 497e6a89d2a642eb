// Prisma CLI configuration for machines that have Prisma's native schema engine: DATABASE_URL picks
// the provider's schema and migrations, so `npx prisma migrate deploy` works for SQLite and PostgreSQL.
// This repository's own scripts (npm run db:*) do the same without the native engine,
// see docs/decisions/001-offline-prisma-tooling.md.
import { defineConfig } from "prisma/config";
import { databaseProvider, DEFAULT_DATABASE_URL } from "./app/db/url";

const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const provider = databaseProvider(url);

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  datasource: { url },
});
