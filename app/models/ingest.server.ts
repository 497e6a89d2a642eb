import { currencyFractionDigits } from "../domain/money";
import type { CanonicalEvent, Normalized, ProfileFacts } from "../domain/events/types";
import { attributeOrderChange } from "./attribution.server";
import { countDiscountRedemptions } from "./discount-redemptions.server";
import { applyRefundAmount, mergeOrderFact, orderContribution, type OrderMoney } from "../domain/profiles/order-state";
import { applyOrderChange, averageDaysBetweenOrders, type OrderChange } from "../domain/profiles/order-stats";
import { rfmScores } from "../domain/profiles/rfm";
import { IDENTITY_KINDS, resolveProfile, type Tx } from "./identity.server";
import { updateLeadScore } from "./lead-score.server";
import { refreshCohortRevenue, runsAround } from "./holdout.server";
import { incrementRollup } from "./rollups.server";
import { dayInTimezone } from "../domain/time";

type ShopRef = { id: string; currency: string; timezone: string };
export type ApplyContext = { source: string; now: Date };
export type ApplyResult = { profileId: string | null; eventsCreated: number };

/**
 * Applies one normalised fact inside the caller's transaction: resolves the person, stores new events
 * (replays are no-ops by sourceId), keeps the order's money state and the profile's computed properties.
 */
export async function applyNormalized(tx: Tx, shop: ShopRef, n: Normalized, ctx: ApplyContext): Promise<ApplyResult> {
  const orderId = n.order?.orderId ?? n.refund?.orderId ?? orderIdOf(n.events);
  const existingOrder = orderId
    ? await tx.orderState.findUnique({ where: { shopId_orderId: { shopId: shop.id, orderId } } })
    : null;
  // Payloads that name no person (returns, some refunds) belong to whoever placed the order.
  const profileId = (await resolveProfile(tx, shop.id, n.identity)) ?? existingOrder?.profileId ?? null;

  const events = profileId ? await withoutRestatedConsent(tx, profileId, n.events) : n.events;
  const fresh = await insertNewEvents(tx, shop.id, profileId, events, ctx.source);
  await countDiscountRedemptions(tx, shop, fresh);

  const order = orderId && (n.order || n.refund) ? await updateOrderState(tx, shop, orderId, existingOrder, profileId, n, fresh) : null;
  if (profileId) {
    const change = order?.ownerId === profileId ? order.change : null;
    await updateProfile(tx, shop, profileId, { facts: n.profile, change, events: n.events, now: ctx.now });
    // After the profile's own fields, so property rules see the new values.
    const scored = fresh.map((e) => ({ id: e.id, name: e.name, occurredAt: e.occurredAt, properties: e.properties }));
    await updateLeadScore(tx, { shopId: shop.id, profileId, events: scored, profileChanged: Boolean(n.profile || change), now: ctx.now });
  }
  // An order keeps counting for the profile that placed it, even if a later payload names someone else.
  if (order?.ownerId && order.ownerId !== profileId) {
    await updateProfile(tx, shop, order.ownerId, { change: order.change, events: [], now: ctx.now });
    if (order.change) await updateLeadScore(tx, { shopId: shop.id, profileId: order.ownerId, events: [], profileChanged: true, now: ctx.now });
  }
  // After the owner's profile row is locked above, so two orders of one person cannot both read a run's old revenue.
  if (order?.ownerId && order.change) await refreshCohortRevenue(tx, shop, order.ownerId, runsAround(order.change.placedAt));
  if (n.deletedCustomerId) await forgetShopifyCustomer(tx, shop.id, n.deletedCustomerId);
  return { profileId, eventsCreated: fresh.length };
}

const CONSENT_EVENTS: Record<string, string> = { "Subscribed to Email": "subscribed", "Unsubscribed from Email": "unsubscribed" };

/**
 * Drops a consent event that states what the profile already records since an earlier (or the same) instant: Shopify echoing
 * a change we made (an unsubscribe click we passed on) is not a second unsubscribe. Older events are kept as history.
 */
async function withoutRestatedConsent(tx: Tx, profileId: string, events: CanonicalEvent[]): Promise<CanonicalEvent[]> {
  if (!events.some((e) => e.name in CONSENT_EVENTS)) return events;
  const current = await tx.profile.findUnique({ where: { id: profileId }, select: { emailConsent: true, emailConsentAt: true } });
  if (!current?.emailConsentAt) return events;
  const since = current.emailConsentAt;
  // At the same instant too: Shopify echoes a signup we passed on with the consent time we gave it.
  return events.filter((e) => !(CONSENT_EVENTS[e.name] === current.emailConsent && e.occurredAt >= since));
}

function orderIdOf(events: CanonicalEvent[]): string | undefined {
  for (const e of events) if (typeof e.properties.orderId === "string") return e.properties.orderId;
  return undefined;
}

async function insertNewEvents(tx: Tx, shopId: string, profileId: string | null, events: CanonicalEvent[], source: string) {
  if (events.length === 0) return [];
  const known = await tx.event.findMany({
    where: { shopId, sourceId: { in: events.map((e) => e.sourceId) } },
    select: { sourceId: true },
  });
  const seen = new Set(known.map((e) => e.sourceId));
  const fresh = events.filter((e) => !seen.has(e.sourceId) && (seen.add(e.sourceId), true));
  if (fresh.length === 0) return [];
  // The stored rows' ids: lead scoring keys its history by them.
  const stored = await tx.event.createManyAndReturn({
    data: fresh.map((e) => ({
      shopId,
      profileId,
      name: e.name,
      occurredAt: e.occurredAt,
      properties: e.properties,
      valueMinor: e.valueMinor ?? null,
      currency: e.currency ?? null,
      source,
      sourceId: e.sourceId,
    })),
    select: { id: true, sourceId: true },
  });
  const ids = new Map(stored.map((row) => [row.sourceId, row.id]));
  return fresh.map((e) => ({ ...e, id: ids.get(e.sourceId)! }));
}

type OrderRow = OrderMoney & { profileId: string | null };

async function updateOrderState(
  tx: Tx,
  shop: ShopRef,
  orderId: string,
  previous: OrderRow | null,
  profileId: string | null,
  n: Normalized,
  fresh: CanonicalEvent[],
): Promise<{ ownerId: string | null; change: OrderChange | null } | null> {
  let next: OrderMoney | null = previous;
  if (n.order) next = mergeOrderFact(previous, n.order).next;
  // A refund counts once: only when its Refunded Order event was new just now.
  if (n.refund && next && fresh.some((e) => e.name === "Refunded Order")) next = applyRefundAmount(next, n.refund.amountMinor);
  if (!next) return null; // a refund for an order we have not seen: its event is kept, orders/updated will carry it

  const owner = previous?.profileId ?? profileId;
  const before = previous?.profileId ? orderContribution(previous) : { counted: false, revenueMinor: 0n };
  const after = owner ? orderContribution(next) : { counted: false, revenueMinor: 0n };
  const refundedDelta = next.refundedMinor - (previous?.refundedMinor ?? 0n);
  const data = { ...next, profileId: owner, countedMinor: after.revenueMinor };
  await tx.orderState.upsert({
    where: { shopId_orderId: { shopId: shop.id, orderId } },
    create: { shopId: shop.id, orderId, ...data },
    update: data,
  });
  const countDelta = Number(after.counted) - Number(before.counted);
  const revenueDelta = after.revenueMinor - before.revenueMinor;
  if (owner && refundedDelta > 0n && !next.test) {
    await tx.profile.update({ where: { id: owner }, data: { refundedMinor: { increment: refundedDelta } } });
  }
  if (countDelta !== 0 || revenueDelta !== 0n) {
    await recordStoreRevenue(tx, shop, next.placedAt, countDelta, revenueDelta);
    if (owner) {
      await attributeOrderChange(tx, {
        shop,
        orderId,
        profileId: owner,
        placedAt: next.placedAt,
        currency: next.currency,
        countedMinor: after.revenueMinor,
        countDelta,
      });
    }
  }
  const change = countDelta !== 0 || revenueDelta !== 0n ? { countDelta, revenueDelta, placedAt: next.placedAt } : null;
  return { ownerId: owner, change };
}

/** Store-level counters the Home page compares attributed revenue with. */
async function recordStoreRevenue(tx: Tx, shop: ShopRef, placedAt: Date, countDelta: number, revenueDelta: bigint) {
  const day = dayInTimezone(placedAt, shop.timezone);
  if (countDelta !== 0) await incrementRollup(tx, { shopId: shop.id, day, metric: "store_orders" }, BigInt(countDelta));
  if (revenueDelta !== 0n) await incrementRollup(tx, { shopId: shop.id, day, metric: "store_revenue" }, revenueDelta);
}

async function updateProfile(
  tx: Tx,
  shop: ShopRef,
  profileId: string,
  input: { facts?: ProfileFacts; change: OrderChange | null; events: CanonicalEvent[]; now: Date },
) {
  // The first write takes the row lock, so the read-modify-write below cannot lose a concurrent update.
  const current = await tx.profile.update({ where: { id: profileId }, data: { updatedAt: input.now } });
  const data: Parameters<Tx["profile"]["update"]>[0]["data"] = {};

  const facts = input.facts;
  if (facts && (!current.factsAsOf || facts.asOf >= current.factsAsOf)) {
    if (facts.firstName) data.firstName = facts.firstName;
    if (facts.lastName) data.lastName = facts.lastName;
    data.factsAsOf = facts.asOf;
  }
  const consent = facts?.emailConsent;
  if (consent && (!current.emailConsentAt || consent.at >= current.emailConsentAt)) {
    data.emailConsent = consent.state;
    data.emailConsentAt = consent.at;
    data.emailConsentSource = consent.source;
  }

  const lastEvent = input.events.reduce<Date | null>((max, e) => (!max || e.occurredAt > max ? e.occurredAt : max), null);
  if (lastEvent && (!current.lastActiveAt || lastEvent > current.lastActiveAt)) data.lastActiveAt = lastEvent;

  if (input.change) {
    const stats = applyOrderChange(current, input.change);
    const currency = current.currency ?? shop.currency;
    const rfm = rfmScores(stats, input.now, 10n ** BigInt(currencyFractionDigits(currency)));
    Object.assign(data, {
      ordersCount: stats.ordersCount,
      revenueMinor: stats.revenueMinor,
      firstOrderAt: stats.firstOrderAt,
      lastOrderAt: stats.lastOrderAt,
      expectedNextOrderAt: stats.expectedNextOrderAt,
      averageDaysBetweenOrders: averageDaysBetweenOrders(stats),
      currency,
      rfmRecency: rfm?.recency ?? null,
      rfmFrequency: rfm?.frequency ?? null,
      rfmMonetary: rfm?.monetary ?? null,
      rfmGroup: rfm?.group ?? null,
    });
  }
  if (Object.keys(data).length > 0) await tx.profile.update({ where: { id: profileId }, data });
}

/** customers/delete: the person stays (their history is the shop's), the link to the deleted customer goes. */
async function forgetShopifyCustomer(tx: Tx, shopId: string, customerId: string) {
  await tx.profileIdentity.deleteMany({ where: { shopId, kind: IDENTITY_KINDS.shopifyCustomerId, value: customerId } });
  await tx.profile.updateMany({ where: { shopId, shopifyCustomerId: customerId }, data: { shopifyCustomerId: null } });
}
