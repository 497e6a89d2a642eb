import { describe, expect, it } from "vitest";
import { parseResults, previousRows, README_END, README_START, replaceReadmeTable, summaryMarkdown, summaryRows, type BenchRun } from "./summary";

const machine = { cpus: 2, cpuModel: "Test CPU", memoryGiB: 24, node: "v20.0.0", date: "2026-11-24" };
const row = (measure: string, pass: boolean | null) => ({ measure, ours: "10/s", ceiling: "20/s", ratio: "50 %", target: ">= 40 %", pass });

describe("bench summary", () => {
  it("puts every table's rows in run order and marks a failed or silent script as a miss", () => {
    const runs: BenchRun[] = [
      { script: "bench:a", exitCode: 0, seconds: 1, tables: [{ title: "A on SQLite", rows: [row("x", true), row("y | z", false)] }] },
      { script: "bench:b", exitCode: 2, seconds: 1, tables: [] },
      { script: "bench:c", exitCode: 0, seconds: 1, tables: [{ title: "C", rows: [row("info", null)] }] },
    ];
    expect(summaryRows(runs).map((r) => [r[0], r[1], r[6]])).toEqual([
      ["A on SQLite", "x", "yes"],
      ["A on SQLite", "y / z", "NO"],
      ["bench:b", "failed (exit 2)", "NO"],
      ["C", "info", "-"],
    ]);
    const markdown = summaryMarkdown(runs, machine);
    expect(markdown).toContain("2 x Test CPU, 24 GiB, Node v20.0.0: 1 of 3 targets met.");
    expect(markdown.split("\n").filter((l) => l.startsWith("|"))).toHaveLength(2 + 4);
  });

  it("replaces only the marked block of the README, and refuses a README without one", () => {
    const readme = `# X\n\nBefore.\n\n${README_START}\nold table\n${README_END}\n\nCauses stay.\n`;
    const next = replaceReadmeTable(readme, "NEW");
    expect(next).toBe(`# X\n\nBefore.\n\n${README_START}\n\nNEW\n\n${README_END}\n\nCauses stay.\n`);
    expect(replaceReadmeTable(next, "NEWER")).toContain(`${README_START}\n\nNEWER\n\n${README_END}`);
    expect(() => replaceReadmeTable("# no markers", "NEW")).toThrow(/bench:start/);
  });

  it("reruns of some benchmarks replace only their rows in the README, the others keep the date they ran", () => {
    // A README table from before the date column: its rows take the headline's date.
    const old = [
      "Ran 2026-11-24 on 2 x Test CPU, 24 GiB, Node v20.0.0: 1 of 2 targets met.",
      "",
      "| benchmark | measure | ours | ceiling / baseline (same run) | ratio | target | pass |",
      "|---|---|---|---|---|---|---|",
      "| A on SQLite | x | 10/s | 20/s | 50 % | >= 40 % | yes |",
      "| A on SQLite | y / z | 10/s | 20/s | 50 % | >= 40 % | NO |",
      "| B | b | 1 ms | 1 ms | 1x | < 2 ms | NO |",
    ].join("\n");
    const readme = replaceReadmeTable(`# X\n${README_START}\n${README_END}\n`, old);
    expect(previousRows(readme).map((r) => [r[0], r[1], r[6], r[7]])).toEqual([
      ["A on SQLite", "x", "yes", "2026-11-24"],
      ["A on SQLite", "y / z", "NO", "2026-11-24"],
      ["B", "b", "NO", "2026-11-24"],
    ]);

    const later = { ...machine, date: "2026-11-25" };
    const runs: BenchRun[] = [
      { script: "bench:a", exitCode: 0, seconds: 1, tables: [{ title: "A on SQLite", rows: [row("x", true)] }] },
      { script: "bench:v", exitCode: 0, seconds: 1, tables: [{ title: "Vitals", rows: [row("LCP", true)] }] },
    ];
    const markdown = summaryMarkdown(runs, later, previousRows(readme));
    expect(markdown).toContain("Ran 2026-11-24 to 2026-11-25 (each row's date in its last column) on 2 x Test CPU");
    expect(markdown).toContain(": 2 of 3 targets met.");
    const again = previousRows(replaceReadmeTable(readme, markdown));
    // A's two rows became its one new row, in A's place; B stays as it ran; the new benchmark goes last.
    expect(again.map((r) => [r[0], r[1], r[7]])).toEqual([
      ["A on SQLite", "x", "2026-11-25"],
      ["B", "b", "2026-11-24"],
      ["Vitals", "LCP", "2026-11-25"],
    ]);
    // A full run (no previous rows) is one date again.
    expect(summaryMarkdown(runs, later)).toMatch(/^Ran 2026-11-25 on /);
    expect(previousRows("# no table")).toEqual([]);
  });

  it("reads the result lines and counts the ones it cannot", () => {
    const text = `${JSON.stringify({ title: "T", rows: [row("x", true)] })}\nnot json\n{"title":1}\n\n`;
    expect(parseResults(text)).toEqual({ tables: [{ title: "T", rows: [row("x", true)] }], broken: 2 });
  });
});
