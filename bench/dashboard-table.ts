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

/** Median and 95th percentile of `runs` timed calls, after `warmups` untimed ones (connections, caches, JIT). */
export async function timeCalls(fn: () => Promise<unknown>, runs: number, warmups: number): Promise<Timing> {
  for (let i = 0; i < warmups; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], p95: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))] };
}
