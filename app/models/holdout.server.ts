// A flow's holdout result (issue 6) from daily counters: per flow, per day people entered, and per group (sent or
// holdout) how many entered, how many of them ordered within the conversion window, their revenue and the sum of its
// squares (for the interval). Runs keep their own window revenue, so an order, refund, cancellation or merge moves
// the counters by the change alone. The comparison itself is pure: domain/attribution/holdout.ts.
import type { Db, DbOrTx } from "../db/client.server";
import {
  CONVERSION_WINDOW_DAYS,
  cohortChange,
  groupFromCounters,
  holdoutResult,
  windowRevenue,
  type HoldoutResult,
} from "../domain/attribution/holdout";
import { dayInTimezone } from "../domain/time";
import { incrementRollup, incrementRollups, type RollupKey } from "./rollups.server";

const DAY_MS = 86_400_000;
const WINDOW_MS = CONVERSION_WINDOW_DAYS * DAY_MS;

export const COHORT_METRICS = {
  people: "cohort_people",
  converted: "cohort_converted",
  revenueMinor: "cohort_revenue",
  revenueSquaresMinor: "cohort_revenue_sq",
} as const;

type ShopRef = { id: string; timezone: string };
type CohortRun = { shopId: string; flowId: string; holdout: boolean; enteredAt: Date };

const cohortKey = (shop: ShopRef, run: CohortRun, metric: string): RollupKey => ({
  shopId: shop.id,
  day: dayInTimezone(run.enteredAt, shop.timezone),
  flowId: run.flowId,
  variant: run.holdout ? "holdout" : "sent",
  metric,
});

/** Counts a run that just started into its flow's group for the day it entered; call inside the run's transaction. */
export async function countCohortEntry(tx: DbOrTx, shop: ShopRef, run: CohortRun & { profileId: string }) {
  await incrementRollup(tx, cohortKey(shop, run, COHORT_METRICS.people), 1n);
  // Orders already stored after the entry instant (a virtual or skewed clock) count from the start.
  await refreshCohortRevenue(tx, shop, run.profileId, { from: run.enteredAt, to: new Date(run.enteredAt.getTime() + 1) });
}

/**
 * Recomputes the window revenue of the profile's runs that entered in [from, to) (all of them without bounds) from
 * its orders as they are now, and moves the counters by what changed. Call after the profile's row is locked.
 */
export async function refreshCohortRevenue(tx: DbOrTx, shop: ShopRef, profileId: string, entered: { from?: Date; to?: Date } = {}) {
  const runs = await tx.flowRun.findMany({
    where: { shopId: shop.id, profileId, enteredAt: { gte: entered.from, lt: entered.to } },
    select: { id: true, shopId: true, flowId: true, holdout: true, enteredAt: true, windowRevenueMinor: true },
  });
  if (runs.length === 0) return;
  const first = Math.min(...runs.map((r) => r.enteredAt.getTime()));
  const last = Math.max(...runs.map((r) => r.enteredAt.getTime()));
  const orders = await tx.orderState.findMany({
    where: { shopId: shop.id, profileId, countedMinor: { gt: 0n }, placedAt: { gt: new Date(first), lte: new Date(last + WINDOW_MS) } },
    select: { placedAt: true, countedMinor: true },
  });
  const increments: Array<{ key: RollupKey; by: bigint }> = [];
  for (const run of runs) {
    const after = windowRevenue(run.enteredAt, orders);
    if (after === run.windowRevenueMinor) continue;
    await tx.flowRun.update({ where: { id: run.id }, data: { windowRevenueMinor: after } });
    const change = cohortChange(run.windowRevenueMinor, after);
    if (change.converted !== 0) increments.push({ key: cohortKey(shop, run, COHORT_METRICS.converted), by: BigInt(change.converted) });
    increments.push({ key: cohortKey(shop, run, COHORT_METRICS.revenueMinor), by: change.revenueMinor });
    increments.push({ key: cohortKey(shop, run, COHORT_METRICS.revenueSquaresMinor), by: change.revenueSquaresMinor });
  }
  await incrementRollups(tx, increments);
}

/** The runs whose conversion window holds an order placed at `placedAt`: entered in [placedAt - window, placedAt). */
export const runsAround = (placedAt: Date) => ({ from: new Date(placedAt.getTime() - WINDOW_MS), to: placedAt });

/** People who entered the flow on the days [from, to] (shop-local, inclusive) and what they ordered within 30 days. */
export async function flowHoldoutResult(db: Db, shopId: string, flowId: string, days: { from: string; to: string }): Promise<HoldoutResult & { windowDays: number }> {
  const rows = await db.dailyRollup.groupBy({
    by: ["variant", "metric"],
    where: { shopId, flowId, metric: { in: Object.values(COHORT_METRICS) }, day: { gte: days.from, lte: days.to } },
    _sum: { value: true },
  });
  const sums = (variant: string) => {
    const of = (metric: string) => rows.find((r) => r.variant === variant && r.metric === metric)?._sum.value ?? 0n;
    return groupFromCounters({
      people: of(COHORT_METRICS.people),
      converted: of(COHORT_METRICS.converted),
      revenueMinor: of(COHORT_METRICS.revenueMinor),
      revenueSquaresMinor: of(COHORT_METRICS.revenueSquaresMinor),
    });
  };
  return { ...holdoutResult(sums("sent"), sums("holdout")), windowDays: CONVERSION_WINDOW_DAYS };
}
