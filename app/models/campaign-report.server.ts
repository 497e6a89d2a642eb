// A campaign's report: the same message counters and attributed orders/revenue as a flow's (DailyRollup, written
// by email-engagement and attribution for any message with a campaignId), in total and per A/B variant, plus who
// was skipped and why (CampaignRecipient).
import type { Db } from "../db/client.server";
import { MESSAGE_METRICS, type MessageNumbers } from "./flow-rollups.server";

export type CampaignReport = {
  total: MessageNumbers;
  variants: Map<string, MessageNumbers>;
  skipped: Array<{ reason: string; count: number }>;
};

const zeros = () => Object.fromEntries(MESSAGE_METRICS.map((m) => [m, 0n])) as MessageNumbers;

/** The campaign's counters over all days (a campaign's life is short; its rollups are few). */
export async function campaignReport(db: Db, shopId: string, campaignId: string): Promise<CampaignReport> {
  const [rows, skips] = await Promise.all([
    db.dailyRollup.groupBy({
      by: ["variant", "metric"],
      where: { shopId, campaignId, metric: { in: [...MESSAGE_METRICS] } },
      _sum: { value: true },
    }),
    db.campaignRecipient.groupBy({ by: ["skipReason"], where: { shopId, campaignId, status: "skipped" }, _count: { _all: true } }),
  ]);
  const total = zeros();
  const variants = new Map<string, MessageNumbers>();
  for (const row of rows) {
    const metric = row.metric as keyof MessageNumbers;
    const value = row._sum.value ?? 0n;
    total[metric] += value;
    const perVariant = variants.get(row.variant) ?? zeros();
    perVariant[metric] += value;
    variants.set(row.variant, perVariant);
  }
  const skipped = skips
    .map((s) => ({ reason: s.skipReason ?? "unknown", count: s._count._all }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return { total, variants, skipped };
}
