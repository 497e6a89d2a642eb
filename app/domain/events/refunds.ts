/** refunds/create, and the refund objects embedded in an order's `refunds[]`. */
import { z } from "zod";
import { toDecimalString } from "../money";
import {
  attempt, currencyCode, decimal, isoDate, minor, moneySet, optionalText, parsePayload, PayloadError, shopifyId,
} from "./schemas";
import type { JsonObject, NormalizeResult } from "./types";

const transactionSchema = z.looseObject({
  kind: z.string(),
  status: z.string().nullish(),
  amount: decimal,
  currency: currencyCode.nullish(),
});

const refundLineItemSchema = z.looseObject({
  line_item_id: shopifyId,
  quantity: z.number().int().nonnegative(),
  subtotal_set: moneySet.nullish(),
  total_tax_set: moneySet.nullish(),
  line_item: z.looseObject({ product_id: shopifyId.nullish(), variant_id: shopifyId.nullish() }).nullish(),
});

export const refundSchema = z.looseObject({
  id: shopifyId,
  order_id: shopifyId,
  created_at: isoDate,
  processed_at: isoDate.nullish(),
  note: optionalText,
  total_duties_set: moneySet.nullish(),
  refund_line_items: z.array(refundLineItemSchema).nullish(),
  transactions: z.array(transactionSchema).nullish(),
});
export type ShopifyRefund = z.output<typeof refundSchema>;

export type AmountSource = "transactions" | "refund_line_items";

/**
 * Money actually returned, in the shop currency: the sum of the refund's successful "refund" transactions.
 * Only when there are no transactions at all, or a successful one is in another currency (a multi-currency
 * order's presentment currency, which we cannot convert), is it the refund line items' shop-money
 * subtotal + tax instead (which leaves out refunded shipping and order adjustments).
 * Transactions that are pending or failed returned nothing, so they count as 0.
 */
export function refundAmount(refund: ShopifyRefund, shopCurrency: string): { amountMinor: bigint; source: AmountSource } {
  const transactions = refund.transactions ?? [];
  const succeeded = transactions.filter((t) => t.kind === "refund" && t.status === "success");
  const foreign = succeeded.some((t) => t.currency != null && t.currency !== shopCurrency);
  if (transactions.length > 0 && !foreign) {
    const amountMinor = succeeded.reduce(
      (sum, t, i) => sum + minor(t.amount, shopCurrency, `refund ${refund.id} transactions.${i}.amount`),
      0n,
    );
    return { amountMinor, source: "transactions" };
  }
  let amountMinor = 0n;
  for (const [i, line] of (refund.refund_line_items ?? []).entries()) {
    if (!line.subtotal_set) throw new PayloadError(`refund ${refund.id} refund_line_items.${i}.subtotal_set is missing`);
    amountMinor += shopAmount(line.subtotal_set, shopCurrency, `refund_line_items.${i}.subtotal_set`);
    if (line.total_tax_set) amountMinor += shopAmount(line.total_tax_set, shopCurrency, `refund_line_items.${i}.total_tax_set`);
  }
  return { amountMinor, source: "refund_line_items" };
}

function shopAmount(set: z.output<typeof moneySet>, shopCurrency: string, field: string): bigint {
  const { amount, currency_code } = set.shop_money;
  if (currency_code !== shopCurrency) throw new PayloadError(`${field}: ${currency_code} is not the shop currency ${shopCurrency}`);
  return minor(amount, currency_code, field);
}

/**
 * A refund payload names no currency of its own: the shop currency is read from its shop-money sets,
 * else from the (uniform) transaction currency.
 */
function shopCurrencyOf(refund: ShopifyRefund): string {
  const fromSets = refund.total_duties_set?.shop_money.currency_code
    ?? refund.refund_line_items?.find((l) => l.subtotal_set)?.subtotal_set?.shop_money.currency_code;
  if (fromSets) return fromSets;
  const fromTransactions = new Set((refund.transactions ?? []).flatMap((t) => (t.currency ? [t.currency] : [])));
  const [only] = fromTransactions;
  if (fromTransactions.size === 1 && only) return only;
  throw new PayloadError("cannot tell the refund's currency (no shop_money sets, no single transaction currency)");
}

export function normalizeRefund(payload: unknown): NormalizeResult {
  return attempt("refunds/create", () => {
    const refund = parsePayload(refundSchema, payload);
    const currency = shopCurrencyOf(refund);
    const { amountMinor, source } = refundAmount(refund, currency);
    const at = refund.processed_at ?? refund.created_at;
    const lineItems: JsonObject[] = (refund.refund_line_items ?? []).map((line) => ({
      lineItemId: line.line_item_id,
      productId: line.line_item?.product_id ?? null,
      variantId: line.line_item?.variant_id ?? null,
      quantity: line.quantity,
      subtotal: line.subtotal_set?.shop_money.amount ?? null,
    }));
    return {
      identity: {},
      events: [
        {
          name: "Refunded Order",
          occurredAt: at,
          sourceId: `refund:${refund.id}`,
          valueMinor: amountMinor,
          currency,
          properties: {
            orderId: refund.order_id,
            refundId: refund.id,
            refundedAmount: toDecimalString(amountMinor, currency),
            currency,
            amountSource: source,
            lineItems,
            note: refund.note ?? null,
          },
        },
      ],
      refund: { orderId: refund.order_id, refundId: refund.id, at, amountMinor, currency },
    };
  });
}
