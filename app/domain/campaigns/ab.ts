/**
 * A campaign A/B test: a stable share of the audience gets the variants in equal parts; after the test window
 * the variant with the best click or revenue rate goes to everyone else. Assignment reuses the flows' hashing,
 * so a recipient's group and variant never change across worker restarts.
 */
import { chooseVariant, stableFraction } from "../flows/ab";
import type { AbTest, WinnerMetric } from "./definition";

/** True when the recipient is in the test share (gets a variant now), false for the rest (gets the winner). */
export function inTestShare(testPercent: number, key: { campaignId: string; profileId: string }): boolean {
  return stableFraction("campaign_test", key.campaignId, key.profileId) * 100 < testPercent;
}

/** The variant for a test-share recipient, equal weights. */
export function testVariant(variantIds: readonly string[], key: { campaignId: string; profileId: string }): string {
  return chooseVariant(
    variantIds.map((id) => ({ id, weight: 1 })),
    { flowId: key.campaignId, stepId: "campaign_ab", profileId: key.profileId },
  );
}

/** The instant the winner is chosen: the test window after the last test email went out. */
export function winnerDueAt(test: AbTest, testSentAt: Date): Date {
  return new Date(testSentAt.getTime() + test.windowHours * 3_600_000);
}

export type VariantResult = { id: string; sent: number; clicks: number; revenueMinor: bigint };

/**
 * The winner by rate per email sent (clicking recipients, or attributed revenue). Ties, including no data at
 * all, go to the earlier variant in the definition: the merchant's first variant is the control.
 */
export function chooseWinner(results: readonly VariantResult[], metric: WinnerMetric): string {
  let best: { id: string; rate: number } | null = null;
  for (const r of results) {
    const value = metric === "click" ? r.clicks : Number(r.revenueMinor);
    const rate = r.sent > 0 ? value / r.sent : 0;
    if (!best || rate > best.rate) best = { id: r.id, rate };
  }
  if (!best) throw new Error("chooseWinner needs at least one variant");
  return best.id;
}
