// The one table `npm run bench` prints and writes into the README: every benchmark's rows, in run order, with
// the machine they ran on. Pure, so the merging and the README rewrite are tested (bench/summary.test.ts).
import type { Row } from "./lib";

export type BenchTable = { title: string; rows: Row[] };
/** One benchmark script's outcome: the tables it printed, or why it printed none. */
export type BenchRun = { script: string; tables: BenchTable[]; exitCode: number; seconds: number };
export type Machine = { cpus: number; cpuModel: string; memoryGiB: number; node: string; date: string };

export const README_START = "<!-- bench:start (written by npm run bench; edit bench/summary.ts, not this table) -->";
export const README_END = "<!-- bench:end -->";

const HEAD = ["benchmark", "measure", "ours", "ceiling / baseline (same run)", "ratio", "target", "pass", "ran"];

function cell(text: string): string {
  // A table cell may not hold a pipe or a line break.
  return text.replace(/\|/g, "/").replace(/\s*\n\s*/g, " ");
}

/** Rows of all runs; a script that failed or printed nothing still gets a row, marked NO. */
export function summaryRows(runs: BenchRun[]): string[][] {
  const rows: string[][] = [];
  for (const run of runs) {
    for (const table of run.tables) {
      for (const r of table.rows) {
        rows.push([table.title, r.measure, r.ours, r.ceiling, r.ratio, r.target, r.pass === null ? "-" : r.pass ? "yes" : "NO"].map(cell));
      }
    }
    if (run.exitCode !== 0 || run.tables.length === 0) {
      const why = run.exitCode !== 0 ? `failed (exit ${run.exitCode})` : "printed no table";
      rows.push([run.script, why, "-", "-", "-", "-", "NO"]);
    }
  }
  return rows;
}

/**
 * The table as Markdown, headed by the machine it ran on and a count of misses. With `previous` (the README's
 * table, from `previousRows`), a run of some benchmarks replaces only their rows: the others stay, with the date
 * they ran in the last column.
 */
export function summaryMarkdown(runs: BenchRun[], machine: Machine, previous: string[][] = []): string {
  const rows = mergeRows(previous, summaryRows(runs).map((r) => [...r, machine.date]));
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  const missed = rows.filter((r) => r[6] === "NO").length;
  const targets = rows.filter((r) => r[6] !== "-").length;
  const dates = [...new Set(rows.map((r) => r[7]))].sort();
  const when = dates.length > 1 ? `${dates[0]} to ${dates[dates.length - 1]} (each row's date in its last column)` : machine.date;
  return [
    `Ran ${when} on ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}: ` +
      `${targets - missed} of ${targets} targets met.`,
    "",
    line(HEAD),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** Previous rows, with the rows of each benchmark that ran again replaced in place; new benchmarks go last. */
function mergeRows(previous: string[][], fresh: string[][]): string[][] {
  const freshBy = new Map<string, string[][]>();
  for (const r of fresh) freshBy.set(r[0], [...(freshBy.get(r[0]) ?? []), r]);
  const merged: string[][] = [];
  const placed = new Set<string>();
  for (const r of previous) {
    const again = freshBy.get(r[0]);
    if (!again) merged.push(r);
    else if (!placed.has(r[0])) {
      merged.push(...again);
      placed.add(r[0]);
    }
  }
  for (const [benchmark, rows] of freshBy) if (!placed.has(benchmark)) merged.push(...rows);
  return merged;
}

/**
 * The rows of the table in the README's marked block, each with the date it ran (a table from before the date
 * column takes its headline's date). None when the block holds no table.
 */
export function previousRows(readme: string): string[][] {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) return [];
  const block = readme.slice(start + README_START.length, end);
  const headlineDate = /^Ran (\d{4}-\d{2}-\d{2})/m.exec(block)?.[1] ?? "unknown";
  const lines = block.split("\n").filter((l) => l.startsWith("| "));
  return lines.slice(1).map((l) => {
    const cells = l.slice(2, -2).split(" | ").map((c) => c.trim());
    return cells.length >= HEAD.length ? cells.slice(0, HEAD.length) : [...cells.slice(0, HEAD.length - 1), headlineDate];
  });
}

/** The README with the text between the bench markers replaced; an error when the markers are missing. */
export function replaceReadmeTable(readme: string, markdown: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${README_START}" ... "${README_END}" block`);
  return `${readme.slice(0, start + README_START.length)}\n\n${markdown}\n\n${readme.slice(end)}`;
}

/** The JSON lines printTable appended (BENCH_RESULTS); a line that does not parse is reported, not dropped. */
export function parseResults(text: string): { tables: BenchTable[]; broken: number } {
  const tables: BenchTable[] = [];
  let broken = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as BenchTable;
      if (typeof parsed.title === "string" && Array.isArray(parsed.rows)) tables.push(parsed);
      else broken++;
    } catch {
      broken++;
    }
  }
  return { tables, broken };
}
