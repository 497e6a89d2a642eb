/** orders/create, orders/paid, orders/updated, orders/cancelled, orders/fulfilled. */
import { customerFacts } from "./customers";
import { buildIdentity } from "./identity";
import { cancelledOrder, fulfilledOrder, orderedProducts, paidOrder, placedAt, placedOrder } from "./order-events";
import { orderSchema, type OrderTopic, type ShopifyOrder } from "./order-schema";
import { refundAmount } from "./refunds";
import { attempt, minor, parsePayload } from "./schemas";
import type { CanonicalEvent, NormalizeResult, OrderFact } from "./types";

export { ORDER_TOPICS, type OrderTopic } from "./order-schema";

/**
 * The order's money state as of updated_at: the total as placed (total_price) and the refunds so far.
 * current_total_price is not used: it already has refunds taken off, and refunds also arrive as their own
 * refunds/create deliveries, so net revenue = total - refunded is computed in one place (order-state.ts).
 * Order edits that change total_price after placement are taken as they come in later payloads.
 */
export function orderFact(order: ShopifyOrder, topic: OrderTopic): OrderFact {
  const refundedMinor = (order.refunds ?? []).reduce((sum, refund) => sum + refundAmount(refund, order.currency).amountMinor, 0n);
  return {
    orderId: order.id,
    updatedAt: order.updated_at,
    placedAt: placedAt(order),
    currency: order.currency,
    totalMinor: minor(order.total_price, order.currency, "total_price"),
    refundedMinor,
    cancelled: topic === "orders/cancelled" || order.cancelled_at != null,
    test: order.test,
  };
}

function topicEvents(topic: OrderTopic, order: ShopifyOrder): CanonicalEvent[] {
  switch (topic) {
    case "orders/create":
      return [placedOrder(order), ...orderedProducts(order)];
    case "orders/paid":
      return [paidOrder(order)];
    case "orders/fulfilled":
      return [fulfilledOrder(order)];
    case "orders/cancelled":
      return [cancelledOrder(order)];
    case "orders/updated":
      return [];
  }
}

export function normalizeOrder(topic: OrderTopic, payload: unknown): NormalizeResult {
  return attempt(topic, () => {
    const order = parsePayload(orderSchema, payload);
    const customer = order.customer ?? undefined;
    const facts = customer ? customerFacts(customer, order.updated_at) : { events: [] };
    return {
      identity: buildIdentity({
        shopifyCustomerId: customer?.id,
        emails: [order.email, order.contact_email, customer?.email],
        phones: [order.phone, customer?.phone],
        checkoutToken: order.checkout_token,
      }),
      ...(facts.profile ? { profile: facts.profile } : {}),
      events: [...topicEvents(topic, order), ...facts.events],
      order: orderFact(order, topic),
    };
  });
}
