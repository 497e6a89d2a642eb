// The flow page's numbers: one flow's daily rollups summed per step, per version and per A/B variant. Reads
// DailyRollup only.
import type { Db } from "../db/client.server";

export const SKIPPED_PREFIX = "skipped:";

/** What each email of a flow did: the message counters of app/models/email-engagement.server.ts and attribution. */
export const MESSAGE_METRICS = ["sent", "delivered", "opened", "clicked", "unsubscribed", "bounced", "complained", "orders", "revenue"] as const;
export type MessageMetric = (typeof MESSAGE_METRICS)[number];
export type MessageNumbers = Record<MessageMetric, bigint>;

export type StepNumbers = MessageNumbers & { skipped: Array<{ reason: string; count: bigint }> };

const VERSION_METRICS = ["entered", ...MESSAGE_METRICS] as const;
const zeros = (metrics: readonly string[]) => Object.fromEntries(metrics.map((m) => [m, 0n])) as Record<string, bigint>;

export type FlowNumbers = {
  /** Per step (all versions together): every message counter and skips by reason, most frequent first. */
  steps: Map<string, StepNumbers>;
  /** Per version: people entered and every message counter. */
  versions: Map<string, Record<string, bigint>>;
  /** Per A/B variant (messages sent after a split carry it): every message counter. */
  variants: Map<string, MessageNumbers>;
};

/** One flow's counters over [fromDay, toDay], per step, per version and per A/B variant, from one pass over them. */
export async function sumFlowNumbers(db: Db, shopId: string, flowId: string, fromDay: string, toDay: string): Promise<FlowNumbers> {
  const rows = await db.dailyRollup.groupBy({
    by: ["stepId", "flowVersionId", "variant", "metric"],
    where: {
      shopId,
      flowId,
      day: { gte: fromDay, lte: toDay },
      // Not the holdout counters, whose variant dimension is their group (sent or holdout), not an A/B split's.
      OR: [{ metric: { in: [...VERSION_METRICS] } }, { metric: { startsWith: SKIPPED_PREFIX } }],
    },
    _sum: { value: true },
  });
  const steps = new Map<string, { totals: Record<string, bigint>; skipped: Map<string, bigint> }>();
  const versions = new Map<string, Record<string, bigint>>();
  const variants = new Map<string, Record<string, bigint>>();
  const add = <K>(map: Map<K, Record<string, bigint>>, key: K, metrics: readonly string[], metric: string, value: bigint) => {
    const totals = map.get(key) ?? zeros(metrics);
    totals[metric] = (totals[metric] ?? 0n) + value;
    map.set(key, totals);
  };
  for (const row of rows) {
    const value = row._sum.value ?? 0n;
    const skip = row.metric.startsWith(SKIPPED_PREFIX);
    if (row.stepId) {
      const step = steps.get(row.stepId) ?? { totals: zeros(MESSAGE_METRICS), skipped: new Map<string, bigint>() };
      if (skip) {
        const reason = row.metric.slice(SKIPPED_PREFIX.length);
        step.skipped.set(reason, (step.skipped.get(reason) ?? 0n) + value);
      } else if (row.metric in step.totals) {
        step.totals[row.metric] += value;
      }
      steps.set(row.stepId, step);
    }
    if (skip) continue;
    if (row.flowVersionId) add(versions, row.flowVersionId, VERSION_METRICS, row.metric, value);
    if (row.variant && row.metric !== "entered") add(variants, row.variant, MESSAGE_METRICS, row.metric, value);
  }
  const byStep = new Map<string, StepNumbers>();
  for (const [stepId, { totals, skipped }] of steps) {
    const reasons = [...skipped].map(([reason, count]) => ({ reason, count }));
    reasons.sort((a, b) => (a.count === b.count ? a.reason.localeCompare(b.reason) : a.count > b.count ? -1 : 1));
    byStep.set(stepId, { ...(totals as MessageNumbers), skipped: reasons });
  }
  return { steps: byStep, versions, variants: variants as Map<string, MessageNumbers> };
}
