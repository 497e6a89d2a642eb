/** The canonical events each orders/* topic asserts. Every one carries `orderId`, which is what downstream links by. */
import type { ShopifyLineItem, ShopifyOrder } from "./order-schema";
import { minor, PayloadError } from "./schemas";
import type { CanonicalEvent, JsonObject } from "./types";

/** When the order was placed: processed_at (differs from created_at for imported orders) else created_at. */
export function placedAt(order: ShopifyOrder): Date {
  return order.processed_at ?? order.created_at;
}

function baseProperties(order: ShopifyOrder): JsonObject {
  return {
    orderId: order.id,
    orderName: order.name ?? null,
    totalPrice: order.total_price,
    currency: order.currency,
  };
}

function lineItemProperties(line: ShopifyLineItem): JsonObject {
  return {
    productId: line.product_id ?? null,
    variantId: line.variant_id ?? null,
    title: line.title ?? null,
    variantTitle: line.variant_title ?? null,
    sku: line.sku ?? null,
    quantity: line.quantity,
    price: line.price,
  };
}

export function placedOrder(order: ShopifyOrder): CanonicalEvent {
  return {
    name: "Placed Order",
    occurredAt: placedAt(order),
    sourceId: `order:${order.id}:placed`,
    valueMinor: minor(order.total_price, order.currency, "total_price"),
    currency: order.currency,
    properties: {
      ...baseProperties(order),
      subtotalPrice: order.subtotal_price ?? null,
      totalDiscounts: order.total_discounts ?? null,
      totalTax: order.total_tax ?? null,
      presentmentCurrency: order.presentment_currency ?? order.currency,
      itemCount: order.line_items.reduce((sum, line) => sum + line.quantity, 0),
      lineItems: order.line_items.map(lineItemProperties),
      discountCodes: (order.discount_codes ?? []).map((d) => d.code),
      sourceName: order.source_name ?? null,
      test: order.test,
      ...(order.landing_site ? { landingSite: order.landing_site } : {}),
      ...(order.referring_site ? { referringSite: order.referring_site } : {}),
    },
  };
}

/** One per line item, valued at price x quantity less the discounts allocated to that line (shop currency). */
export function orderedProducts(order: ShopifyOrder): CanonicalEvent[] {
  return order.line_items.map((line, i) => {
    const field = `line_items.${i}`;
    const gross = minor(line.price, order.currency, `${field}.price`) * BigInt(line.quantity);
    const discount = (line.discount_allocations ?? []).reduce(
      (sum, a, j) => sum + minor(a.amount, order.currency, `${field}.discount_allocations.${j}.amount`),
      0n,
    );
    return {
      name: "Ordered Product",
      occurredAt: placedAt(order),
      sourceId: `order:${order.id}:line:${line.id}`,
      valueMinor: gross - discount,
      currency: order.currency,
      properties: { ...lineItemProperties(line), vendor: line.vendor ?? null, orderId: order.id, lineItemId: line.id },
    };
  });
}

/**
 * Dated by updated_at: the REST payload has no paid-at timestamp, and orders/paid fires on the update that made
 * the order paid. The first delivery's time is the one kept (the sourceId is per order).
 */
export function paidOrder(order: ShopifyOrder): CanonicalEvent {
  return {
    name: "Paid Order",
    occurredAt: order.updated_at,
    sourceId: `order:${order.id}:paid`,
    valueMinor: minor(order.total_price, order.currency, "total_price"),
    currency: order.currency,
    properties: { ...baseProperties(order), financialStatus: order.financial_status ?? null, test: order.test },
  };
}

export function fulfilledOrder(order: ShopifyOrder): CanonicalEvent {
  const latest = (order.fulfillments ?? []).reduce<NonNullable<ShopifyOrder["fulfillments"]>[number] | undefined>(
    (best, f) => (best === undefined || f.created_at.getTime() > best.created_at.getTime() ? f : best),
    undefined,
  );
  return {
    name: "Fulfilled Order",
    occurredAt: latest?.created_at ?? order.updated_at,
    sourceId: `order:${order.id}:fulfilled`,
    properties: {
      ...baseProperties(order),
      fulfillmentStatus: order.fulfillment_status ?? null,
      fulfillmentId: latest?.id ?? null,
      trackingCompany: latest?.tracking_company ?? null,
      trackingNumber: latest?.tracking_number ?? null,
      trackingUrl: latest?.tracking_url ?? null,
    },
  };
}

export function cancelledOrder(order: ShopifyOrder): CanonicalEvent {
  if (!order.cancelled_at) throw new PayloadError("cancelled_at is null on a cancelled order");
  return {
    name: "Cancelled Order",
    occurredAt: order.cancelled_at,
    sourceId: `order:${order.id}:cancelled`,
    properties: { ...baseProperties(order), cancelReason: order.cancel_reason ?? null },
  };
}
