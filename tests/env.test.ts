import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isDemoLoginEnabled, loadEnv, parseEnv } from "../app/env.schema";

const VALID = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://app.example.com",
  SESSION_SECRET: "x".repeat(32),
};

describe("environment validation", () => {
  it("applies documented defaults", () => {
    const result = parseEnv(VALID);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.env.DATABASE_URL).toBe("file:./data/app.db");
    expect(result.env.PORT).toBe(3000);
    expect(result.env.DEMO_MODE).toBe(false);
    expect(result.env.SCOPES).toContain("read_orders");
  });

  it("names every missing or invalid variable", () => {
    const result = parseEnv({ ...VALID, SHOPIFY_API_SECRET: undefined, PORT: "70000", DATABASE_URL: "mysql://x" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        "SHOPIFY_API_SECRET is required",
        expect.stringMatching(/^PORT /),
        expect.stringMatching(/^DATABASE_URL must start with file:/),
      ]),
    );
    expect(() => loadEnv({})).toThrow(/SHOPIFY_API_KEY is required[\s\S]*SESSION_SECRET is required/);
  });

  it("rejects a short session secret and a non-URL app URL", () => {
    const result = parseEnv({ ...VALID, SESSION_SECRET: "short", SHOPIFY_APP_URL: "not a url" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.split(" ")[0]).sort()).toEqual(["SESSION_SECRET", "SHOPIFY_APP_URL"]);
  });

  it("refuses demo mode under NODE_ENV=production", () => {
    const result = parseEnv({ ...VALID, NODE_ENV: "production", DEMO_MODE: "1" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(/^DEMO_MODE cannot be enabled when NODE_ENV=production/);
  });

  it("refuses demo mode on a non-loopback address", () => {
    const result = parseEnv({ ...VALID, DEMO_MODE: "1", HOST: "0.0.0.0" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(/^HOST must be a loopback address/);
  });

  it("keeps the demo login off when the process runs in production, whatever was validated", () => {
    const demo = loadEnv({ ...VALID, DEMO_MODE: "1" });
    expect(isDemoLoginEnabled(demo, "development")).toBe(true);
    expect(isDemoLoginEnabled(demo, "production")).toBe(false);
    expect(isDemoLoginEnabled(loadEnv(VALID), "development")).toBe(false);
  });
});

describe("server start-up", () => {
  const start = (extra: Record<string, string | undefined>) => {
    const env: NodeJS.ProcessEnv = { NODE_ENV: "development", PATH: process.env.PATH, HOME: process.env.HOME, ...VALID };
    Object.assign(env, extra);
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    return spawnSync(process.execPath, ["--import", "tsx", "server.ts"], { env, encoding: "utf8", timeout: 60_000 });
  };

  it("stops with the variable's name when one is missing", () => {
    const run = start({ SHOPIFY_API_SECRET: undefined });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain("SHOPIFY_API_SECRET is required");
  });

  it("stops when demo mode is asked for in production", () => {
    const run = start({ NODE_ENV: "production", DEMO_MODE: "1" });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain("DEMO_MODE cannot be enabled when NODE_ENV=production");
  });
});
