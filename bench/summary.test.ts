import { describe, expect, it } from "vitest";
import { parseResults, README_END, README_START, replaceReadmeTable, summaryMarkdown, summaryRows, type BenchRun } from "./summary";

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

  it("reads the result lines and counts the ones it cannot", () => {
    const text = `${JSON.stringify({ title: "T", rows: [row("x", true)] })}\nnot json\n{"title":1}\n\n`;
    expect(parseResults(text)).toEqual({ tables: [{ title: "T", rows: [row("x", true)] }], broken: 2 });
  });
});
