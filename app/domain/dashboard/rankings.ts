// Home's "Top flows" and "Top messages": summed counters ranked by the revenue they earned.

/** Summed counters by metric name; a metric never counted is absent (read as zero). */
export type Counters = Record<string, bigint | undefined>;
export const RANKING_METRICS = ["revenue", "orders", "sent", "opened", "clicked"];

/** part / whole as a share, or null when there is nothing to divide by. */
export function share(part: bigint, whole: bigint): number | null {
  if (whole <= 0n) return null;
  return Number((part * 1_000_000n) / whole) / 1_000_000;
}

/** "12.3 %", or "–" when there is no share to show. */
export function formatShare(value: number | null): string {
  return value === null ? "–" : `${(value * 100).toFixed(1)} %`;
}

export type Ranked = { revenue: bigint; orders: bigint; sent: bigint; openRate: number | null; clickRate: number | null };

function ranked(counters: Counters | undefined): Ranked {
  const n = (metric: string) => counters?.[metric] ?? 0n;
  return { revenue: n("revenue"), orders: n("orders"), sent: n("sent"), openRate: share(n("opened"), n("sent")), clickRate: share(n("clicked"), n("sent")) };
}

function byRevenue<T extends { revenue: bigint; sent: bigint; name: string }>(a: T, b: T): number {
  if (a.revenue !== b.revenue) return a.revenue > b.revenue ? -1 : 1;
  if (a.sent !== b.sent) return a.sent > b.sent ? -1 : 1;
  return a.name.localeCompare(b.name);
}

/** The flows that sent or earned anything in the period, most revenue first (then most sent), at most `limit`. */
export function rankFlows<F extends { id: string; name: string }>(flows: F[], numbers: Map<string, Counters>, limit: number) {
  return flows
    .map((flow) => ({ flow, name: flow.name, ...ranked(numbers.get(flow.id)) }))
    .filter((row) => row.sent > 0n || row.revenue !== 0n || row.orders !== 0n)
    .sort(byRevenue)
    .slice(0, limit);
}

/** One message (a flow's email step, or a campaign) with its summed counters across versions and variants. */
export type MessageCounters = { flowId: string; stepId: string; campaignId: string; counters: Counters };

/** The messages that earned revenue in the period, most first, at most `limit`; `name` says what each one is. */
export function rankMessages<N extends { name: string }>(messages: MessageCounters[], describe: (m: MessageCounters) => N, limit: number) {
  return messages
    .map((message) => ({ message, ...describe(message), ...ranked(message.counters) }))
    .filter((row) => row.revenue > 0n)
    .sort(byRevenue)
    .slice(0, limit);
}

/** One summed counter of the period by message dimensions: a flow's step, a campaign, or neither (store numbers). */
export type CounterRow = { flowId: string; stepId: string; campaignId: string; metric: string; value: bigint };

/**
 * The period's counters three ways from one pass over them: totals per metric (everything), per flow (rows of a
 * flow, `rankingMetrics` only) and per message (a flow's step or a campaign, `rankingMetrics` only).
 */
export function splitCounters(rows: CounterRow[], rankingMetrics: readonly string[] = RANKING_METRICS) {
  const totals: Record<string, bigint> = {};
  const byFlow = new Map<string, Counters>();
  const byMessage = new Map<string, MessageCounters>();
  const ranking = new Set(rankingMetrics);
  for (const row of rows) {
    totals[row.metric] = (totals[row.metric] ?? 0n) + row.value;
    if (!ranking.has(row.metric)) continue;
    if (row.flowId) {
      const flow = byFlow.get(row.flowId) ?? {};
      flow[row.metric] = (flow[row.metric] ?? 0n) + row.value;
      byFlow.set(row.flowId, flow);
    }
    if (row.stepId || row.campaignId) {
      const id = JSON.stringify([row.flowId, row.stepId, row.campaignId]);
      const message = byMessage.get(id) ?? { flowId: row.flowId, stepId: row.stepId, campaignId: row.campaignId, counters: {} };
      message.counters[row.metric] = (message.counters[row.metric] ?? 0n) + row.value;
      byMessage.set(id, message);
    }
  }
  return { totals, byFlow, byMessage: [...byMessage.values()] };
}
