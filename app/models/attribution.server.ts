// Revenue attribution as orders land (issue 6): called by ingest inside the order's transaction whenever an
// order's counted revenue changes. The first time an order counts, the person's opens and clicks (events on the
// profile, merged profiles' included) decide which email earned it; after that, refunds, cancellations and edits
// move the credited revenue with the order. One Attribution row per order: a replayed event changes nothing.
import type { Db, Prisma } from "../db/client.server";
import {
  adjustCredit,
  attributeOrder,
  explainCredit,
  lookbackHours,
  ruleLabel,
  type AttributionRuleName,
  type AttributionSettings,
  type Touch,
} from "../domain/attribution/attribute";
import { dayInTimezone } from "../domain/time";
import { incrementRollups, messageRollupKey, type MessageDimensions } from "./rollups.server";

type Tx = Prisma.TransactionClient;

const HOUR_MS = 3_600_000;
const TOUCH_EVENTS = { "Clicked Email": "click", "Opened Email": "open" } as const;
const DEFAULT_SETTINGS: AttributionSettings = { rule: "click_then_open", clickWindowHours: 120, openWindowHours: 120, excludeMachineOpens: true };

export type OrderChangeForAttribution = {
  shop: { id: string; timezone: string };
  orderId: string;
  profileId: string;
  placedAt: Date;
  currency: string;
  /** What the order counts for now (net of refunds; 0 when cancelled or a test). */
  countedMinor: bigint;
  /** +1 when the order started counting, -1 when it stopped (cancelled), 0 otherwise. */
  countDelta: number;
};

async function settingsOf(tx: Tx | Db, shopId: string): Promise<AttributionSettings> {
  const s = await tx.shopSettings.findUnique({
    where: { shopId },
    select: { attributionRule: true, clickWindowHours: true, openWindowHours: true, excludeMachineOpens: true },
  });
  if (!s) return DEFAULT_SETTINGS;
  const rule: AttributionRuleName = s.attributionRule === "click_only" ? "click_only" : "click_then_open";
  return { rule, clickWindowHours: s.clickWindowHours, openWindowHours: s.openWindowHours, excludeMachineOpens: s.excludeMachineOpens };
}

/** The person's opens and clicks that can matter for an order placed at `orderedAt`. */
async function touchesBefore(tx: Tx, shopId: string, profileId: string, orderedAt: Date, hours: number): Promise<Touch[]> {
  const events = await tx.event.findMany({
    where: {
      shopId,
      profileId,
      name: { in: Object.keys(TOUCH_EVENTS) },
      occurredAt: { gte: new Date(orderedAt.getTime() - hours * HOUR_MS), lte: orderedAt },
    },
    select: { name: true, occurredAt: true, properties: true },
  });
  const touches: Touch[] = [];
  for (const e of events) {
    const props = (e.properties ?? {}) as { messageId?: unknown; machine?: unknown };
    if (typeof props.messageId !== "string") continue;
    touches.push({ messageId: props.messageId, kind: TOUCH_EVENTS[e.name as keyof typeof TOUCH_EVENTS], at: e.occurredAt, machine: props.machine === true });
  }
  return touches;
}

function counterKeys(shopId: string, day: string, message: Omit<MessageDimensions, "shopId">) {
  const dims = { ...message, shopId };
  return { orders: messageRollupKey(dims, day, "orders"), revenue: messageRollupKey(dims, day, "revenue") };
}

const messageDims = { flowId: true, flowVersionId: true, stepId: true, campaignId: true, variant: true } as const;

/** Credits a newly counted order, or moves an attributed order's credited revenue with it. */
export async function attributeOrderChange(tx: Tx, change: OrderChangeForAttribution): Promise<void> {
  const { shop, orderId } = change;
  const existing = await tx.attribution.findUnique({
    where: { shopId_orderId: { shopId: shop.id, orderId } },
    include: { message: { select: messageDims } },
  });
  if (existing) {
    const next = adjustCredit(existing, change.countedMinor);
    if (next.delta === 0n && change.countDelta === 0 && next.revenueMinor === existing.revenueMinor) return;
    await tx.attribution.update({ where: { id: existing.id }, data: { revenueMinor: next.revenueMinor, refundedMinor: next.refundedMinor } });
    const keys = counterKeys(shop.id, dayInTimezone(existing.orderedAt, shop.timezone), existing.message);
    await incrementRollups(tx, [
      ...(change.countDelta !== 0 ? [{ key: keys.orders, by: BigInt(change.countDelta) }] : []),
      ...(next.delta !== 0n ? [{ key: keys.revenue, by: next.delta }] : []),
    ]);
    return;
  }
  // Only an order that starts counting now earns credit; a change to an order no email earned stays unearned.
  if (change.countDelta <= 0) return;
  const settings = await settingsOf(tx, shop.id);
  const touches = await touchesBefore(tx, shop.id, change.profileId, change.placedAt, lookbackHours(settings));
  const credit = attributeOrder(change.placedAt, touches, settings);
  if (!credit) return;
  const message = await tx.message.findFirst({ where: { id: credit.messageId, shopId: shop.id }, select: { id: true, ...messageDims } });
  if (!message) return;
  await tx.attribution.create({
    data: {
      shopId: shop.id,
      orderId,
      profileId: change.profileId,
      messageId: message.id,
      flowId: message.flowId,
      campaignId: message.campaignId,
      touch: credit.touch,
      touchedAt: credit.touchedAt,
      rule: credit.rule,
      orderedAt: change.placedAt,
      revenueMinor: change.countedMinor,
      currency: change.currency,
    },
  });
  const keys = counterKeys(shop.id, dayInTimezone(change.placedAt, shop.timezone), message);
  await incrementRollups(tx, [
    { key: keys.orders, by: 1n },
    { key: keys.revenue, by: change.countedMinor },
  ]);
}

export type OrderAttribution = {
  orderId: string;
  messageId: string;
  subject: string;
  flowId: string | null;
  touch: string;
  touchedAt: Date;
  orderedAt: Date;
  rule: string;
  revenueMinor: bigint;
  refundedMinor: bigint;
  currency: string;
  explanation: string;
};

/** Why orders of this shop were credited to emails, in the merchant's words; orders no email earned are absent. */
export async function findOrderAttributions(db: Tx | Db, shopId: string, orderIds: string[]): Promise<Map<string, OrderAttribution>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db.attribution.findMany({
    where: { shopId, orderId: { in: orderIds } },
    include: { message: { select: { subject: true } } },
  });
  return new Map(
    rows.map((row) => [
      row.orderId,
      {
        orderId: row.orderId,
        messageId: row.messageId,
        subject: row.message.subject,
        flowId: row.flowId,
        touch: row.touch,
        touchedAt: row.touchedAt,
        orderedAt: row.orderedAt,
        rule: row.rule,
        revenueMinor: row.revenueMinor,
        refundedMinor: row.refundedMinor,
        currency: row.currency,
        explanation: explainCredit({ touch: row.touch, touchedAt: row.touchedAt, orderedAt: row.orderedAt, rule: row.rule, subject: row.message.subject }),
      },
    ]),
  );
}

/** Why one order of this shop was credited to an email; null when no email earned it. */
export async function findOrderAttribution(db: Tx | Db, shopId: string, orderId: string): Promise<OrderAttribution | null> {
  return (await findOrderAttributions(db, shopId, [orderId])).get(orderId) ?? null;
}

// ---------------------------------------------------------------------------------------------------------------
// Recomputing history after the merchant changed the rule or a window.

/** Orders that count now: what a recompute credits again (a cancelled or test order earns nothing under any rule). */
const countingOrders = (shopId: string) => ({ shopId, countedMinor: { gt: 0n }, profileId: { not: null } });

/** Starts (or restarts, under the newest rule) the shop's recompute; the worker does the work in batches. */
export async function requestAttributionRecompute(db: Db, shopId: string, now: Date) {
  const [settings, total] = await Promise.all([settingsOf(db, shopId), db.orderState.count({ where: countingOrders(shopId) })]);
  const fresh = { status: "pending", rule: ruleLabel(settings), total, done: 0, afterPlacedAt: null, afterOrderId: null, startedAt: now, finishedAt: null };
  return db.attributionRecompute.upsert({ where: { shopId }, create: { shopId, ...fresh }, update: fresh });
}

export type RecomputeProgress = { status: string; total: number; done: number; startedAt: Date; finishedAt: Date | null } | null;

/** Where the shop's recompute stands, for the Settings page. */
export async function attributionRecomputeProgress(db: Db, shopId: string): Promise<RecomputeProgress> {
  return db.attributionRecompute.findUnique({ where: { shopId }, select: { status: true, total: true, done: true, startedAt: true, finishedAt: true } });
}

/**
 * Credits up to `limit` orders of each pending recompute again under the shop's current rule, oldest first: per
 * order, in one transaction, its old credit and counters are undone, it is attributed afresh and the cursor moves.
 * Interrupted anywhere, it resumes after the last order it committed. True while work remains.
 */
export async function recomputeAttributionOnce(db: Db, options: { limit?: number; now: Date }): Promise<boolean> {
  const limit = options.limit ?? 200;
  const jobs = await db.attributionRecompute.findMany({ where: { status: "pending" }, take: 10, include: { shop: { select: { timezone: true } } } });
  let more = false;
  for (const job of jobs) {
    const cursor =
      job.afterPlacedAt && job.afterOrderId
        ? { OR: [{ placedAt: { gt: job.afterPlacedAt } }, { placedAt: job.afterPlacedAt, orderId: { gt: job.afterOrderId } }] }
        : {};
    const orders = await db.orderState.findMany({
      where: { ...countingOrders(job.shopId), ...cursor },
      orderBy: [{ placedAt: "asc" }, { orderId: "asc" }],
      take: limit,
    });
    let restarted = false;
    for (const order of orders) {
      restarted = await db.$transaction(async (tx) => {
        const shop = { id: job.shopId, timezone: job.shop.timezone };
        await undoCredit(tx, shop, order.orderId);
        await attributeOrderChange(tx, {
          shop,
          orderId: order.orderId,
          profileId: order.profileId!,
          placedAt: order.placedAt,
          currency: order.currency,
          countedMinor: order.countedMinor,
          countDelta: 1,
        });
        const moved = await tx.attributionRecompute.updateMany({
          where: { shopId: job.shopId, startedAt: job.startedAt },
          data: { afterPlacedAt: order.placedAt, afterOrderId: order.orderId, done: { increment: 1 } },
        });
        // The merchant changed the rule again meanwhile: the restarted job redoes everything; undo this order's work.
        if (moved.count === 0) throw new RecomputeRestarted();
        return false;
      }).catch((error: unknown) => {
        if (error instanceof RecomputeRestarted) return true;
        throw error;
      });
      if (restarted) break;
    }
    if (restarted) {
      more = true;
    } else if (orders.length < limit) {
      await db.attributionRecompute.updateMany({ where: { shopId: job.shopId, startedAt: job.startedAt }, data: { status: "done", finishedAt: options.now } });
    } else {
      more = true;
    }
  }
  return more;
}

class RecomputeRestarted extends Error {}

/** Removes an order's credit and takes its counters back, as if no email had earned it. */
async function undoCredit(tx: Tx, shop: { id: string; timezone: string }, orderId: string) {
  const existing = await tx.attribution.findUnique({
    where: { shopId_orderId: { shopId: shop.id, orderId } },
    include: { message: { select: messageDims } },
  });
  if (!existing) return;
  const credited = existing.revenueMinor - existing.refundedMinor;
  const keys = counterKeys(shop.id, dayInTimezone(existing.orderedAt, shop.timezone), existing.message);
  await tx.attribution.delete({ where: { id: existing.id } });
  // Only orders that count are recomputed, so this one was counted once in "orders".
  await incrementRollups(tx, [
    { key: keys.orders, by: -1n },
    ...(credited !== 0n ? [{ key: keys.revenue, by: -credited }] : []),
  ]);
}
