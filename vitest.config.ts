import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

// Separate from vite.config.ts: tests import route modules directly, without the Remix plugin.
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["app/**/*.test.{ts,tsx}", "tests/**/*.test.{ts,tsx}", "bench/**/*.test.ts"],
    globalSetup: ["tests/setup/global.ts"],
    setupFiles: ["tests/setup/env.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Two cores: more workers only queue up behind the database and the browser.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
