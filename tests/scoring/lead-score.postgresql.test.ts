import { afterAll } from "vitest";
import { createTestDatabase } from "../helpers/db";

// The app reads DATABASE_URL once, at import: point it at a fresh PostgreSQL schema before importing anything of it.
const database = await createTestDatabase("postgresql");
process.env.DATABASE_URL = database.url;
const { default: db } = await import("../../app/db.server");
const { leadScoreScenario } = await import("./lead-score-scenario");

afterAll(async () => {
  await db.$disconnect();
  await database.cleanup();
});

leadScoreScenario("PostgreSQL");
