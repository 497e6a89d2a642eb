// A flow's holdout result (issue 6): everyone who entered the flow in the period, split into the sent group and the
// holdout group, and what each person ordered within the conversion window after entering (net of refunds and
// cancellations, test orders excluded). The comparison itself is pure: domain/attribution/holdout.ts.
import type { Db } from "../db/client.server";
import { addPerson, EMPTY_GROUP, holdoutResult, type GroupTotals, type HoldoutResult } from "../domain/attribution/holdout";

const DAY_MS = 86_400_000;
/** Profiles per order query: well under both databases' limits on bound parameters. */
const CHUNK = 1_000;

export type HoldoutOptions = { now: Date; periodDays?: number; windowDays?: number };

/** Entrants of the last `periodDays` (default 90) and their orders within `windowDays` (default 30) of entering. */
export async function flowHoldoutResult(db: Db, shopId: string, flowId: string, options: HoldoutOptions): Promise<HoldoutResult & { windowDays: number }> {
  const windowDays = options.windowDays ?? 30;
  const windowMs = windowDays * DAY_MS;
  const runs = await db.flowRun.findMany({
    where: { shopId, flowId, enteredAt: { gte: new Date(options.now.getTime() - (options.periodDays ?? 90) * DAY_MS), lte: options.now } },
    select: { profileId: true, enteredAt: true, holdout: true },
  });
  const earliest = runs.reduce((min, r) => Math.min(min, r.enteredAt.getTime()), Number.POSITIVE_INFINITY);
  const profileIds = [...new Set(runs.map((r) => r.profileId))];
  const ordersOf = new Map<string, Array<{ placedAt: number; countedMinor: bigint }>>();
  for (let at = 0; at < profileIds.length; at += CHUNK) {
    const orders = await db.orderState.findMany({
      where: { shopId, profileId: { in: profileIds.slice(at, at + CHUNK) }, countedMinor: { gt: 0n }, placedAt: { gt: new Date(earliest), lte: options.now } },
      select: { profileId: true, placedAt: true, countedMinor: true },
    });
    for (const o of orders) ordersOf.set(o.profileId!, [...(ordersOf.get(o.profileId!) ?? []), { placedAt: o.placedAt.getTime(), countedMinor: o.countedMinor }]);
  }
  let sent: GroupTotals = EMPTY_GROUP;
  let holdout: GroupTotals = EMPTY_GROUP;
  for (const run of runs) {
    const from = run.enteredAt.getTime();
    let revenue = 0n;
    for (const o of ordersOf.get(run.profileId) ?? []) if (o.placedAt > from && o.placedAt <= from + windowMs) revenue += o.countedMinor;
    if (run.holdout) holdout = addPerson(holdout, revenue);
    else sent = addPerson(sent, revenue);
  }
  return { ...holdoutResult(sent, holdout), windowDays };
}
