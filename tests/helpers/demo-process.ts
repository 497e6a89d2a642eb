import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * `npm run demo` as a merchant starts it (migrate, seed, build, serve, simulated store traffic), on a free port and
 * a fresh SQLite file, for the browser tests and the web-vitals benchmark.
 */
export type DemoProcess = {
  base: string;
  /** The demo's SQLite file. */
  databaseFile: string;
  output(): string;
  stop(): Promise<void>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealthy(url: string, demo: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (demo.exitCode !== null) throw new Error(`npm run demo exited with ${demo.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the demo did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

export async function startDemo(options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<DemoProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "demo-"));
  const databaseFile = path.join(dataDir, "demo.db");
  let log = "";
  const demo = spawn("npm", ["run", "demo"], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${databaseFile}`, ...options.env },
    detached: true, // its own process group, so the server it starts goes down with it
    stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stdout?.on("data", (chunk) => (log += chunk));
  demo.stderr?.on("data", (chunk) => (log += chunk));
  const stop = async () => {
    if (demo.pid && demo.exitCode === null) {
      const exited = new Promise((r) => demo.once("exit", r));
      try {
        process.kill(-demo.pid, "SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealthy(`${base}/healthz`, demo, () => log, options.timeoutMs ?? 280_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, databaseFile, output: () => log, stop };
}
