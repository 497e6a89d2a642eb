import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidEnvironmentError, loadEnv } from "./app/env.schema";

/**
 * Serves the production build (`npm start`, and `npm run demo`). Environment problems stop start-up
 * with the variable's name before anything listens.
 */
async function main() {
  let env;
  try {
    env = loadEnv(process.env);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const buildPath = path.resolve("build/server/index.js");
  const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", env.TRUST_PROXY_HOPS);
  // Vite fingerprints assets: cache them for a year; everything else briefly.
  app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
  app.use(express.static("build/client", { maxAge: "1h" }));
  // clientIp feeds per-IP rate limits of public endpoints; req.ip honours "trust proxy".
  app.all("*", createRequestHandler({ build, mode: env.NODE_ENV, getLoadContext: (req) => ({ clientIp: req.ip ?? null }) }));

  const server = app.listen(env.PORT, env.HOST, () => {
    const shown = env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST;
    console.log(`Listening on http://${shown}:${env.PORT} (${env.NODE_ENV}${env.DEMO_MODE ? ", demo mode" : ""})`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
