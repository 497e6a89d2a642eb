/** An orders bulk-export record (the order line and its line-item lines) -> the facts orders/create would give. */
import { z } from "zod";
import { buildIdentity } from "../events/identity";
import { cancelledOrder, orderedProducts, placedAt, placedOrder } from "../events/order-events";
import { orderSchema } from "../events/order-schema";
import { attempt, currencyCode, decimal, isoDate, minor, parsePayload } from "../events/schemas";
import type { NormalizeResult, OrderFact } from "../events/types";
import { gidOf } from "./gid";

const text = z.string().nullish();
const moneyBag = z.looseObject({ shopMoney: z.looseObject({ amount: decimal, currencyCode }) });

const orderLineSchema = z.looseObject({
  id: gidOf("Order"),
  name: text,
  email: text,
  createdAt: isoDate,
  processedAt: isoDate.nullish(),
  updatedAt: isoDate,
  cancelledAt: isoDate.nullish(),
  test: z.boolean(),
  currencyCode,
  totalPriceSet: moneyBag,
  currentTotalPriceSet: moneyBag.nullish(),
  totalRefundedSet: moneyBag.nullish(),
  customer: z.looseObject({ id: gidOf("Customer"), email: text, phone: text }).nullish(),
});

const lineItemLineSchema = z.looseObject({
  id: gidOf("LineItem"),
  title: text,
  variantTitle: text,
  sku: text,
  vendor: text,
  quantity: z.number().int().nonnegative(),
  variant: z.looseObject({ id: gidOf("ProductVariant") }).nullish(),
  product: z.looseObject({ id: gidOf("Product") }).nullish(),
  originalUnitPriceSet: moneyBag,
  discountAllocations: z.array(z.looseObject({ allocatedAmountSet: moneyBag })).nullish(),
});

/**
 * Maps one exported order with its line items. The record is restated in the REST webhook shape and its events
 * come from the webhook's own builders, so `order:<id>:placed` / `order:<id>:line:<id>` match orders/create and
 * whichever of the two lands second is a no-op. Cancelled orders also get orders/cancelled's event.
 */
export function normalizeBackfilledOrder(orderLine: unknown, lineItemLines: unknown[]): NormalizeResult {
  return attempt("backfill orders", () => {
    const o = parsePayload(orderLineSchema, orderLine);
    const items = lineItemLines.map((line) => parsePayload(lineItemLineSchema, line));
    const order = parsePayload(orderSchema, {
      id: o.id,
      name: o.name ?? null,
      email: o.email ?? null,
      currency: o.currencyCode,
      total_price: o.totalPriceSet.shopMoney.amount,
      current_total_price: o.currentTotalPriceSet?.shopMoney.amount ?? null,
      created_at: o.createdAt.toISOString(),
      processed_at: o.processedAt?.toISOString() ?? null,
      updated_at: o.updatedAt.toISOString(),
      cancelled_at: o.cancelledAt?.toISOString() ?? null,
      test: o.test,
      customer: o.customer ? { id: o.customer.id, email: o.customer.email ?? null, phone: o.customer.phone ?? null } : null,
      line_items: items.map((item) => ({
        id: item.id,
        title: item.title ?? null,
        variant_title: item.variantTitle ?? null,
        sku: item.sku ?? null,
        vendor: item.vendor ?? null,
        quantity: item.quantity,
        price: item.originalUnitPriceSet.shopMoney.amount,
        product_id: item.product?.id ?? null,
        variant_id: item.variant?.id ?? null,
        discount_allocations: (item.discountAllocations ?? []).map((a) => ({ amount: a.allocatedAmountSet.shopMoney.amount })),
      })),
    });
    const refunded = o.totalRefundedSet?.shopMoney.amount ?? "0";
    // Same money state orders/* webhooks assert (see orderFact in events/orders.ts), refunds from the order's total.
    const fact: OrderFact = {
      orderId: order.id,
      updatedAt: order.updated_at,
      placedAt: placedAt(order),
      currency: order.currency,
      totalMinor: minor(order.current_total_price ?? order.total_price, order.currency, "currentTotalPriceSet"),
      refundedMinor: minor(refunded, order.currency, "totalRefundedSet"),
      cancelled: order.cancelled_at != null,
      test: order.test,
    };
    return {
      identity: buildIdentity({
        shopifyCustomerId: order.customer?.id,
        emails: [order.email, order.customer?.email],
        phones: [order.customer?.phone],
      }),
      events: [placedOrder(order), ...orderedProducts(order), ...(order.cancelled_at ? [cancelledOrder(order)] : [])],
      order: fact,
    };
  });
}
