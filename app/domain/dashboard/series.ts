// The Home chart's data: attributed revenue per day, one series per flow, ready for a stacked chart.
import { currencyFractionDigits } from "../money";

/** A summed revenue counter: one day, one flow ("" for emails outside any flow), minor units. */
export type RevenueCell = { day: string; flowId: string; value: bigint };
export type ChartSeries = { name: string; data: Array<{ key: string; value: number }> };

/** More stacked colours than this are unreadable: the smallest flows share one "Other flows" series. */
export const MAX_CHART_SERIES = 6;
export const OUTSIDE_FLOWS = "Campaigns and other emails";

/**
 * One series per flow over `days` (every day present, zero when nothing was credited), in major units of the
 * currency, largest total first. Flows beyond MAX_CHART_SERIES - 1 are summed into "Other flows"; revenue without a
 * flow is its own series. Empty when nothing was credited in the period.
 */
export function revenueChartSeries(cells: RevenueCell[], days: string[], flowNames: Map<string, string>, currency: string): ChartSeries[] {
  const scale = 10 ** currencyFractionDigits(currency);
  const byFlow = new Map<string, Map<string, bigint>>();
  for (const cell of cells) {
    const daily = byFlow.get(cell.flowId) ?? new Map<string, bigint>();
    daily.set(cell.day, (daily.get(cell.day) ?? 0n) + cell.value);
    byFlow.set(cell.flowId, daily);
  }
  const total = (daily: Map<string, bigint>) => [...daily.values()].reduce((a, b) => a + b, 0n);
  const ranked = [...byFlow.entries()]
    .map(([flowId, daily]) => ({ flowId, daily, total: total(daily) }))
    .filter((s) => s.total !== 0n)
    .sort((a, b) => (a.total === b.total ? a.flowId.localeCompare(b.flowId) : a.total > b.total ? -1 : 1));
  const named = ranked.map((s) => ({ ...s, name: s.flowId ? (flowNames.get(s.flowId) ?? "A deleted flow") : OUTSIDE_FLOWS }));
  const kept = named.length > MAX_CHART_SERIES ? named.slice(0, MAX_CHART_SERIES - 1) : named;
  const rest = named.slice(kept.length);
  const series = kept.map((s) => ({ name: s.name, daily: s.daily }));
  if (rest.length > 0) {
    const other = new Map<string, bigint>();
    for (const s of rest) for (const [day, value] of s.daily) other.set(day, (other.get(day) ?? 0n) + value);
    series.push({ name: "Other flows", daily: other });
  }
  // Minor units to major for the chart only: the chart draws, it does not add up money.
  return series.map((s) => ({ name: s.name, data: days.map((day) => ({ key: day, value: Number(s.daily.get(day) ?? 0n) / scale })) }));
}
