// Runs compiled segment trees (domain/segments/sql.ts) on the shop's database: counts, pages and membership tests
// all happen in SQL, never by loading profiles into memory.
import { Prisma, providerOf, type Db, type DbOrTx } from "../db/client.server";
import type { SegmentClock } from "../domain/segments/dates";
import { segmentMembersSql, type Dialect } from "../domain/segments/sql";
import { join, sql, type SqlFragment } from "../domain/segments/sql-fragment";
import type { SegmentTree } from "../domain/segments/tree";

/** Our fragment as Prisma's: Prisma numbers the placeholders for the database ($1 or ?). */
export function toPrismaSql(fragment: SqlFragment): Prisma.Sql {
  return new Prisma.Sql(fragment.strings, fragment.values as unknown[] as Prisma.Sql["values"]);
}

export function dialectOf(db: Db): Dialect {
  return providerOf(db);
}

/** How many of the shop's profiles are in the segment as of clock.now. */
export async function countSegment(db: Db, shopId: string, tree: SegmentTree, clock: SegmentClock): Promise<number> {
  const members = segmentMembersSql(tree, dialectOf(db), clock, shopId);
  const rows = await db.$queryRaw<Array<{ n: bigint | number }>>(toPrismaSql(sql`SELECT COUNT(*) AS n FROM (${members}) m`));
  return Number(rows[0]?.n ?? 0);
}

/** A page of member ids in id order, after `after` (keyset paging: stable while profiles come and go). */
export async function segmentMemberIds(
  db: DbOrTx,
  dialect: Dialect,
  shopId: string,
  tree: SegmentTree,
  clock: SegmentClock,
  page: { after?: string; take?: number; only?: string[] } = {},
): Promise<string[]> {
  const members = segmentMembersSql(tree, dialect, clock, shopId);
  const after = page.after ? sql` AND p."id" > ${page.after}` : sql``;
  const only = page.only ? (page.only.length ? sql` AND p."id" IN (${join(page.only.map((id) => sql`${id}`), ", ")})` : sql` AND 1 = 0`) : sql``;
  const limit = page.take !== undefined ? sql` LIMIT ${page.take}` : sql``;
  const rows = await db.$queryRaw<Array<{ id: string }>>(toPrismaSql(sql`${members}${after}${only} ORDER BY p."id"${limit}`));
  return rows.map((r) => r.id);
}

