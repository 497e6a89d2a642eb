// npm run bench — runs every `bench:*` script of package.json one after the other (each generates its own data,
// seeded, and cleans up), then prints one table of all their rows and, with --readme, writes it into README.md's
// performance section. Exits 1 when a benchmark failed to run; missed targets are reported, not fatal.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseResults, previousRows, replaceReadmeTable, summaryMarkdown, type BenchRun } from "./summary";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const scripts = Object.keys(pkg.scripts)
  .filter((name) => name.startsWith("bench:"))
  .filter((name) => only.length === 0 || only.some((o) => name === o || name === `bench:${o}`));
if (scripts.length === 0) {
  console.error(`No benchmark matches ${only.join(", ")}; there are: ${Object.keys(pkg.scripts).filter((n) => n.startsWith("bench:")).join(", ")}`);
  process.exit(1);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-"));
const runs: BenchRun[] = [];
try {
  for (const script of scripts) {
    const results = path.join(dir, `${script.replace(/\W/g, "_")}.jsonl`);
    console.log(`\n> npm run ${script}`);
    const started = Date.now();
    const child = spawnSync("npm", ["run", "--silent", script], { stdio: "inherit", env: { ...process.env, BENCH_RESULTS: results } });
    let text = "";
    try {
      text = readFileSync(results, "utf8");
    } catch {
      // printed no table
    }
    const { tables, broken } = parseResults(text);
    if (broken) console.error(`${script}: ${broken} result line(s) could not be read`);
    runs.push({ script, tables, exitCode: child.status ?? 1, seconds: (Date.now() - started) / 1000 });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const cpus = os.cpus();
// Some benchmarks only (`npm run bench -- vitals`): the README keeps the others' rows, each with its date.
const previous = only.length > 0 ? previousRows(readFileSync("README.md", "utf8")) : [];
const markdown = summaryMarkdown(runs, {
  cpus: cpus.length,
  cpuModel: cpus[0]?.model.trim() ?? "unknown CPU",
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
}, previous);
console.log(`\n${markdown}\n`);
if (process.argv.includes("--readme")) {
  writeFileSync("README.md", replaceReadmeTable(readFileSync("README.md", "utf8"), markdown));
  console.log("README.md: performance table updated.");
}
process.exit(runs.some((r) => r.exitCode !== 0) ? 1 : 0);
