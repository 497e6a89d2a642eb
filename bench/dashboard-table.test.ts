import { describe, expect, it } from "vitest";
import { timingRow } from "./dashboard-table";

describe("timingRow", () => {
  it("reports the median against the ceiling and passes only under the target", () => {
    expect(timingRow("Home, SQLite", { median: 42.25, p95: 61.4 }, { median: 0.84, p95: 1.2 }, 100)).toEqual({
      measure: "Home, SQLite",
      ours: "42 ms (p95 61 ms)",
      ceiling: "0.8 ms (one indexed count)",
      ratio: "50.3x",
      target: "< 100 ms",
      pass: true,
    });
    expect(timingRow("Home", { median: 100, p95: 120 }, { median: 0, p95: 0 }, 100)).toMatchObject({ ratio: "-", pass: false });
  });
});
