// Saved segments of one shop: save, list, count and page through members. Every read and write is scoped by shop;
// another shop's segment id is simply not found.
import type { Db } from "../db/client.server";
import type { SegmentClock } from "../domain/segments/dates";
import { parseSegmentTree, type SegmentTree } from "../domain/segments/tree";
import { countSegment, dialectOf, segmentMemberIds } from "./segment-query.server";

export const MAX_SEGMENT_NAME = 120;
export const MAX_SEGMENTS_PER_SHOP = 200;
export const MEMBERS_PAGE_SIZE = 50;

export type SegmentInput = { name: string; conditions: unknown };
export type SaveResult = { ok: true; id: string } | { ok: false; status: 400 | 404 | 409; error: string };

/** A shop's clock for segment conditions: "today" and "the last N days" in the shop's timezone. */
export function shopClock(shop: { timezone: string }, now: Date): SegmentClock {
  return { now, timezone: shop.timezone };
}

/** The stored tree, validated again on the way out (a row written by an older version may no longer parse). */
export function storedTree(conditions: unknown): SegmentTree | null {
  const parsed = parseSegmentTree(conditions);
  return parsed.ok ? parsed.value : null;
}

function validName(raw: string): string | null {
  const name = raw.replace(/[\u0000-\u001f]/g, "").trim();
  return name.length > 0 && name.length <= MAX_SEGMENT_NAME ? name : null;
}

/** Creates (no id) or updates one of the shop's segments; invalid input changes nothing. */
export async function saveSegment(db: Db, shopId: string, id: string | null, input: SegmentInput): Promise<SaveResult> {
  const name = validName(input.name);
  if (!name) return { ok: false, status: 400, error: `Give the segment a name of 1 to ${MAX_SEGMENT_NAME} characters` };
  const tree = parseSegmentTree(input.conditions);
  if (!tree.ok) return { ok: false, status: 400, error: tree.error };
  if (id) {
    const { count } = await db.segment.updateMany({ where: { id, shopId }, data: { name, conditions: tree.value } });
    return count === 1 ? { ok: true, id } : { ok: false, status: 404, error: "No such segment" };
  }
  if ((await db.segment.count({ where: { shopId } })) >= MAX_SEGMENTS_PER_SHOP) {
    return { ok: false, status: 409, error: `A shop has at most ${MAX_SEGMENTS_PER_SHOP} segments; delete one first` };
  }
  const created = await db.segment.create({ data: { shopId, name, conditions: tree.value }, select: { id: true } });
  return { ok: true, id: created.id };
}

export async function deleteSegment(db: Db, shopId: string, id: string): Promise<boolean> {
  const { count } = await db.segment.deleteMany({ where: { id, shopId } });
  return count === 1;
}

export async function findSegment(db: Db, shopId: string, id: string) {
  const row = await db.segment.findFirst({ where: { id, shopId } });
  return row ? { ...row, tree: storedTree(row.conditions) } : null;
}

/** The shop's segments by name, each with its member count as of `now` (counted in SQL). */
export async function listSegments(db: Db, shop: { id: string; timezone: string }, now: Date) {
  const rows = await db.segment.findMany({ where: { shopId: shop.id }, orderBy: [{ name: "asc" }, { id: "asc" }] });
  const clock = shopClock(shop, now);
  return Promise.all(
    rows.map(async (row) => {
      const tree = storedTree(row.conditions);
      return { id: row.id, name: row.name, updatedAt: row.updatedAt, valid: tree !== null, members: tree ? await countSegment(db, shop.id, tree, clock) : null };
    }),
  );
}

/** One page of members (id order, after a cursor) with what the members table shows. */
export async function segmentMembersPage(db: Db, shop: { id: string; timezone: string }, tree: SegmentTree, now: Date, after?: string) {
  const ids = await segmentMemberIds(db, dialectOf(db), shop.id, tree, shopClock(shop, now), { after, take: MEMBERS_PAGE_SIZE + 1 });
  const pageIds = ids.slice(0, MEMBERS_PAGE_SIZE);
  const profiles = await db.profile.findMany({
    where: { shopId: shop.id, id: { in: pageIds } },
    orderBy: { id: "asc" },
    select: { id: true, email: true, firstName: true, lastName: true, emailConsent: true, ordersCount: true, revenueMinor: true, currency: true, lastOrderAt: true },
  });
  return { profiles, next: ids.length > MEMBERS_PAGE_SIZE ? pageIds[pageIds.length - 1] : null };
}

const EXPORT_PAGE = 500;

/** Every member as of `now`, page by page in id order, with the columns an export writes. */
export async function* segmentExportProfiles(db: Db, shop: { id: string; timezone: string }, tree: SegmentTree, now: Date) {
  const clock = shopClock(shop, now);
  let after: string | undefined;
  for (;;) {
    const ids = await segmentMemberIds(db, dialectOf(db), shop.id, tree, clock, { after, take: EXPORT_PAGE });
    if (ids.length === 0) return;
    yield await db.profile.findMany({
      where: { shopId: shop.id, id: { in: ids } },
      orderBy: { id: "asc" },
      select: {
        email: true, firstName: true, lastName: true, phone: true, emailConsent: true, emailConsentAt: true, emailConsentSource: true,
        ordersCount: true, revenueMinor: true, currency: true, firstOrderAt: true, lastOrderAt: true, rfmGroup: true, leadScore: true, properties: true,
      },
    });
    if (ids.length < EXPORT_PAGE) return;
    after = ids[ids.length - 1];
  }
}
