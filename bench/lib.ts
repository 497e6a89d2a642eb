import { appendFileSync } from "node:fs";
import http from "node:http";

/** Shared pieces of the benchmarks: percentiles, a keep-alive HTTP load generator and the result table. */

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export type LoadResult = { requests: number; ok: number; seconds: number; perSecond: number; p50: number; p99: number };

type Req = { path: string; headers: Record<string, string>; body: string };

function send(agent: http.Agent, port: number, req: Req): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: "127.0.0.1", port, path: req.path, method: "POST", agent, headers: { ...req.headers, "Content-Length": Buffer.byteLength(req.body) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

/** Sends every request with `concurrency` in flight; latencies are per request. */
export async function closedLoop(port: number, requests: Req[], concurrency: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const { status, ms } = await send(agent, port, requests[next++]);
        latencies.push(ms);
        if (status === 200) ok++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: requests.length, ok, seconds, perSecond: ok / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Sends at a fixed rate (open loop), so latency is measured at that load rather than at saturation. */
export async function fixedRate(port: number, requests: Req[], perSecond: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let ok = 0;
  const started = process.hrtime.bigint();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < requests.length; i++) {
    const due = (i / perSecond) * 1000;
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (due > elapsed) await new Promise((r) => setTimeout(r, due - elapsed));
    pending.push(
      send(agent, port, requests[i]).then(({ status, ms }) => {
        latencies.push(ms);
        if (status === 200) ok++;
      }),
    );
  }
  await Promise.all(pending);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: requests.length, ok, seconds, perSecond: ok / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export type Row = { measure: string; ours: string; ceiling: string; ratio: string; target: string; pass: boolean | null };

/**
 * Prints the table; under `npm run bench` (BENCH_RESULTS names a file) also appends it as one JSON line, so the
 * runner can put every benchmark's rows into one table.
 */
export function printTable(title: string, rows: Row[]) {
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify({ title, rows })}\n`);
  const head = ["measure", "ours", "ceiling (same run)", "ratio", "target", "pass"];
  const cells = rows.map((r) => [r.measure, r.ours, r.ceiling, r.ratio, r.target, r.pass === null ? "-" : r.pass ? "yes" : "NO"]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}

/** A small seeded random number generator (mulberry32): benchmarks generate the same data every run. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
