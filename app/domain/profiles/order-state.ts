import type { OrderFact } from "../events/types";

/** The money state of one order as we keep it (OrderState rows). */
export type OrderMoney = {
  placedAt: Date;
  shopifyUpdatedAt: Date;
  currency: string;
  totalMinor: bigint;
  refundedMinor: bigint;
  cancelled: boolean;
  test: boolean;
};

/** What an order adds to its customer's numbers: nothing when cancelled or a test order, else its net total. */
export function orderContribution(order: OrderMoney | null): { counted: boolean; revenueMinor: bigint } {
  if (!order || order.cancelled || order.test) return { counted: false, revenueMinor: 0n };
  const net = order.totalMinor - order.refundedMinor;
  return { counted: true, revenueMinor: net > 0n ? net : 0n };
}

/**
 * Applies an order payload: a payload older than what we hold changes nothing (late or out-of-order
 * delivery). Refunds only grow: the larger of what we counted from refund events and what the payload lists.
 */
export function mergeOrderFact(previous: OrderMoney | null, fact: OrderFact): { next: OrderMoney; applied: boolean } {
  if (previous && fact.updatedAt < previous.shopifyUpdatedAt) return { next: previous, applied: false };
  return {
    applied: true,
    next: {
      placedAt: fact.placedAt,
      shopifyUpdatedAt: fact.updatedAt,
      currency: fact.currency,
      totalMinor: fact.totalMinor,
      refundedMinor: previous && previous.refundedMinor > fact.refundedMinor ? previous.refundedMinor : fact.refundedMinor,
      cancelled: fact.cancelled || (previous?.cancelled ?? false),
      test: fact.test,
    },
  };
}

/** Applies one refund (already known to be new): money only ever comes off, never below zero net. */
export function applyRefundAmount(order: OrderMoney, amountMinor: bigint): OrderMoney {
  const refunded = order.refundedMinor + amountMinor;
  return { ...order, refundedMinor: refunded > order.totalMinor ? order.totalMinor : refunded };
}
