// Keeps SegmentMembership current for profiles whose facts just changed, and records each change as a canonical
// event ("Entered Segment" / "Left Segment") in the same transaction, so flows start on entering a segment through
// the event triggers' own machinery (a flow's `segment` trigger, or an event trigger on "Entered Segment").
import { providerOf, type Db, type DbOrTx } from "../db/client.server";
import type { Dialect } from "../domain/segments/sql";
import { segmentMemberIds } from "./segment-query.server";
import { shopClock, storedTree } from "./segments.server";

export type MembershipChanges = { entered: number; left: number };

/**
 * Re-evaluates the shop's segments for these profiles as of `now` (one SQL query per segment, limited to them) and
 * records who entered and who left. Idempotent: evaluating again with nothing changed changes nothing.
 */
export async function refreshMemberships(
  db: DbOrTx,
  dialect: Dialect,
  shop: { id: string; timezone: string },
  profileIds: string[],
  now: Date,
): Promise<MembershipChanges> {
  const changes: MembershipChanges = { entered: 0, left: 0 };
  const ids = [...new Set(profileIds)];
  if (ids.length === 0) return changes;
  const segments = await db.segment.findMany({ where: { shopId: shop.id }, select: { id: true, name: true, conditions: true } });
  const clock = shopClock(shop, now);
  for (const segment of segments) {
    const tree = storedTree(segment.conditions);
    if (!tree) continue; // a tree this version cannot read keeps its memberships as they were
    const members = new Set(await segmentMemberIds(db, dialect, shop.id, tree, clock, { only: ids }));
    const rows = await db.segmentMembership.findMany({ where: { segmentId: segment.id, profileId: { in: ids } } });
    const current = new Map(rows.map((r) => [r.profileId, r]));
    for (const profileId of ids) {
      const row = current.get(profileId);
      const wasIn = row !== undefined && row.leftAt === null;
      const isIn = members.has(profileId);
      if (isIn === wasIn) continue;
      if (isIn) {
        await db.segmentMembership.upsert({
          where: { segmentId_profileId: { segmentId: segment.id, profileId } },
          create: { shopId: shop.id, segmentId: segment.id, profileId, enteredAt: now },
          update: { enteredAt: now, leftAt: null },
        });
        changes.entered++;
      } else {
        await db.segmentMembership.update({ where: { id: row!.id }, data: { leftAt: now } });
        changes.left++;
      }
      await recordChange(db, shop.id, profileId, isIn ? "Entered Segment" : "Left Segment", segment, now);
    }
  }
  return changes;
}

async function recordChange(db: DbOrTx, shopId: string, profileId: string, name: "Entered Segment" | "Left Segment", segment: { id: string; name: string }, now: Date) {
  // Keyed by the instant of the change: entering again later is a new event, re-running the same pass is not.
  const sourceId = `segment:${segment.id}:${profileId}:${name === "Entered Segment" ? "entered" : "left"}:${now.toISOString()}`;
  if (await db.event.findUnique({ where: { shopId_sourceId: { shopId, sourceId } }, select: { id: true } })) return;
  await db.event.create({
    data: { shopId, profileId, name, occurredAt: now, properties: { segmentId: segment.id, segmentName: segment.name }, source: "app", sourceId },
  });
}

const SWEEP_PAGE = 500;

/**
 * Re-evaluates a page of the shop's profiles (id order, after `after`): conditions on time ("no order in 90 days")
 * change without any event, so a scheduled sweep catches those. Returns the cursor for the next page, null at the end.
 */
export async function sweepMemberships(
  db: DbOrTx,
  dialect: Dialect,
  shop: { id: string; timezone: string },
  now: Date,
  after = "",
): Promise<MembershipChanges & { next: string | null }> {
  const page = await db.profile.findMany({
    where: { shopId: shop.id, mergedIntoId: null, id: { gt: after } },
    orderBy: { id: "asc" },
    take: SWEEP_PAGE,
    select: { id: true },
  });
  const ids = page.map((p) => p.id);
  const changes = await refreshMemberships(db, dialect, shop, ids, now);
  return { ...changes, next: ids.length === SWEEP_PAGE ? ids[ids.length - 1] : null };
}

/** Where each shop's sweep stands: a cursor while going through its profiles, then a pause until the next sweep. */
export type SweepState = Map<string, { after: string; resumeAt: Date | null }>;
const SWEEP_INTERVAL_MS = 60 * 60_000;

/**
 * One page of the shop's sweep when one is due (at most one full sweep an hour), for the flow worker's pass.
 * Shops without segments cost one count.
 */
export async function sweepMembershipsIfDue(db: Db, shopId: string, now: Date, state: SweepState): Promise<MembershipChanges | null> {
  const current = state.get(shopId) ?? { after: "", resumeAt: null };
  if (current.resumeAt && current.resumeAt > now) return null;
  if ((await db.segment.count({ where: { shopId } })) === 0) return null;
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { id: true, timezone: true } });
  if (!shop) return null;
  const result = await sweepMemberships(db, providerOf(db), shop, now, current.after);
  state.set(shopId, result.next ? { after: result.next, resumeAt: null } : { after: "", resumeAt: new Date(now.getTime() + SWEEP_INTERVAL_MS) });
  return { entered: result.entered, left: result.left };
}
