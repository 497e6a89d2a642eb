import type { Db, DbOrTx } from "../db/client.server";
import { Prisma } from "../db/client.server";

export type NewInboxEntry = {
  shopId: string;
  source: "shopify_webhook" | "web_pixel" | "signup_form";
  topic: string;
  dedupeKey: string;
  payload: string;
  apiVersion?: string | null;
  triggeredAt?: Date | null;
};

/** Stores a delivery once; the same dedupe key again is a no-op ("duplicate"). */
export async function acceptInboxEntry(db: DbOrTx, entry: NewInboxEntry): Promise<"accepted" | "duplicate"> {
  try {
    await db.inboxEntry.create({ data: entry });
    return "accepted";
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return "duplicate";
    throw error;
  }
}

/**
 * Claims up to `limit` due entries for `owner` until `now + leaseMs`. The conditional update is atomic per row
 * on both databases, so concurrent claimers never share an entry; an entry whose lease ran out (a crashed
 * worker) is due again.
 */
export async function claimInboxBatch(db: Db, owner: string, now: Date, leaseMs: number, limit: number) {
  const due = { status: "pending", OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] };
  const candidates = await db.inboxEntry.findMany({
    where: due,
    orderBy: { receivedAt: "asc" },
    take: limit,
    select: { id: true },
  });
  if (candidates.length === 0) return [];
  const leaseUntil = new Date(now.getTime() + leaseMs);
  await db.inboxEntry.updateMany({
    where: { id: { in: candidates.map((c) => c.id) }, ...due },
    data: { leaseOwner: owner, leaseUntil },
  });
  const claimed = await db.inboxEntry.findMany({
    where: { id: { in: candidates.map((c) => c.id) }, leaseOwner: owner, leaseUntil },
  });
  // Older facts first, so most out-of-order deliveries are put back in order before they are applied.
  return claimed.sort(
    (a, b) =>
      (a.triggeredAt ?? a.receivedAt).getTime() - (b.triggeredAt ?? b.receivedAt).getTime() ||
      a.receivedAt.getTime() - b.receivedAt.getTime(),
  );
}

/** Retry later with exponential backoff, or give up after `maxAttempts` with the reason kept. */
export async function releaseFailedEntry(db: Db, id: string, attempts: number, error: string, now: Date, maxAttempts: number, permanent = false) {
  const giveUp = permanent || attempts >= maxAttempts;
  const backoffMs = Math.min(60 * 60_000, 1000 * 2 ** attempts);
  await db.inboxEntry.update({
    where: { id },
    data: {
      attempts,
      lastError: error.slice(0, 2000),
      status: giveUp ? "failed" : "pending",
      leaseOwner: null,
      leaseUntil: giveUp ? null : new Date(now.getTime() + backoffMs),
    },
  });
}
