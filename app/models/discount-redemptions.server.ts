// Discount codes used: an order that carries one of our per-recipient codes counts "discount_redeemed" on the
// email that gave the code out, on the order's day. Counted when the order's Placed Order event is first stored, so a
// redelivered or updated order never counts twice. Home's needs-attention watch reads it for spikes.
import type { CanonicalEvent } from "../domain/events/types";
import { ourCodesIn } from "../domain/email/discount-code";
import { dayInTimezone } from "../domain/time";
import type { Tx } from "./identity.server";
import { incrementRollups, messageRollupKey } from "./rollups.server";

export const DISCOUNT_REDEEMED = "discount_redeemed";

/** Counts the codes of freshly stored Placed Order events (test orders excluded) on their emails' counters. */
export async function countDiscountRedemptions(tx: Tx, shop: { id: string; timezone: string }, fresh: CanonicalEvent[]) {
  const placed = fresh.filter((e) => e.name === "Placed Order" && e.properties.test !== true);
  const wanted = placed.map((e) => ({ event: e, codes: ourCodesIn(e.properties.discountCodes) })).filter((p) => p.codes.length > 0);
  if (wanted.length === 0) return 0;
  const messages = await tx.message.findMany({ where: { shopId: shop.id, discountCode: { in: wanted.flatMap((w) => w.codes) } } });
  const byCode = new Map(messages.map((m) => [m.discountCode!, m]));
  const increments = wanted.flatMap(({ event, codes }) =>
    codes.flatMap((code) => {
      const message = byCode.get(code);
      return message ? [{ key: messageRollupKey(message, dayInTimezone(event.occurredAt, shop.timezone), DISCOUNT_REDEEMED), by: 1n }] : [];
    }),
  );
  await incrementRollups(tx, increments);
  return increments.length;
}
