import { copyFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import path from "node:path";

// Runs before each test file imports the app: the environment the app validates at boot,
// and a fresh copy of the migrated SQLite template as that file's own database.
const tmpDir = process.env.TEST_TMP_DIR ?? path.resolve("tests/.tmp");
const database = path.join(tmpDir, `app-${randomUUID()}.db`);
copyFileSync(path.join(tmpDir, "template.db"), database);

Object.assign(process.env, {
  NODE_ENV: "test",
  DATABASE_URL: `file:${database}`,
  SHOPIFY_API_KEY: "testApiKey",
  SHOPIFY_API_SECRET: "testApiSecretKey",
  SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
  SESSION_SECRET: "test-session-secret-test-session-secret",
  DEMO_MODE: process.env.TEST_DEMO_MODE ?? "0",
  HOST: "127.0.0.1",
});
