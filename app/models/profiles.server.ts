import type { Db } from "../db/client.server";

export const PROFILE_PAGE_SIZE = 50;
export const MAX_SEARCH_LENGTH = 100;

/** Normalises a customer search box value: trimmed, bounded, "" for nothing. */
export function normaliseProfileSearch(raw: string | null): string {
  return (raw ?? "").replace(/[\u0000-\u001f]/g, "").trim().slice(0, MAX_SEARCH_LENGTH);
}

/** One shop's profiles matching an email or name fragment, most recently active first. */
export async function searchProfiles(db: Db, shopId: string, query: string, take = PROFILE_PAGE_SIZE) {
  const q = normaliseProfileSearch(query);
  // Emails are stored lower-cased; names are matched in the casing typed and in title case,
  // which covers merchants' searches on both databases without provider-specific collations.
  const titled = q.charAt(0).toUpperCase() + q.slice(1).toLowerCase();
  const where = q
    ? {
        shopId,
        mergedIntoId: null,
        OR: [
          { email: { contains: q.toLowerCase() } },
          { firstName: { contains: q } },
          { lastName: { contains: q } },
          { firstName: { contains: titled } },
          { lastName: { contains: titled } },
        ],
      }
    : { shopId, mergedIntoId: null };
  const [profiles, total] = await Promise.all([
    db.profile.findMany({
      where,
      orderBy: [{ lastActiveAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      take,
      select: {
        id: true,
        email: true,
        firstName: true,
        lastName: true,
        emailConsent: true,
        ordersCount: true,
        revenueMinor: true,
        currency: true,
        lastOrderAt: true,
      },
    }),
    db.profile.count({ where }),
  ]);
  return { profiles, total, query: q };
}
