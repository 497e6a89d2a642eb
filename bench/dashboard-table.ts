// The dashboard benchmark's rows: a loader's server time against the same run's ceiling. Pure, so it is tested.
import type { Row } from "./lib";

/** Milliseconds of one timed call: the median and the 95th percentile of the runs. */
export type Timing = { median: number; p95: number };

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;

/** One row: the loader's median (p95), the ceiling's median, how many ceilings the loader costs, and the target. */
export function timingRow(measure: string, ours: Timing, ceiling: Timing, targetMs: number): Row {
  return {
    measure,
    ours: `${ms(ours.median)} (p95 ${ms(ours.p95)})`,
    ceiling: `${ms(ceiling.median)} (one indexed count)`,
    ratio: ceiling.median > 0 ? `${(ours.median / ceiling.median).toFixed(1)}x` : "-",
    target: `< ${targetMs} ms`,
    pass: ours.median < targetMs,
  };
}
