/** The order payload fields the orders/* normalisers read (shared by orders.ts and order-events.ts). */
import { z } from "zod";
import { customerSchema } from "./customers";
import { refundSchema } from "./refunds";
import { currencyCode, decimal, isoDate, optionalText, shopifyId } from "./schemas";

export const ORDER_TOPICS = ["orders/create", "orders/paid", "orders/updated", "orders/cancelled", "orders/fulfilled"] as const;
export type OrderTopic = (typeof ORDER_TOPICS)[number];

const lineItemSchema = z.looseObject({
  id: shopifyId,
  product_id: shopifyId.nullish(),
  variant_id: shopifyId.nullish(),
  title: optionalText,
  variant_title: optionalText,
  sku: optionalText,
  vendor: optionalText,
  quantity: z.number().int().nonnegative(),
  /** Unit price in the shop currency. */
  price: decimal,
  /** Each allocation's `amount` is in the shop currency. */
  discount_allocations: z.array(z.looseObject({ amount: decimal })).nullish(),
});
export type ShopifyLineItem = z.output<typeof lineItemSchema>;

const fulfillmentSchema = z.looseObject({
  id: shopifyId,
  created_at: isoDate,
  status: optionalText,
  tracking_company: optionalText,
  tracking_number: optionalText,
  tracking_url: optionalText,
});

export const orderSchema = z.looseObject({
  id: shopifyId,
  name: optionalText,
  email: optionalText,
  contact_email: optionalText,
  phone: optionalText,
  checkout_token: optionalText,
  /** The shop currency: every unsuffixed money field is in it. */
  currency: currencyCode,
  presentment_currency: currencyCode.nullish(),
  total_price: decimal,
  current_total_price: decimal.nullish(),
  subtotal_price: decimal.nullish(),
  total_discounts: decimal.nullish(),
  total_tax: decimal.nullish(),
  created_at: isoDate,
  processed_at: isoDate.nullish(),
  updated_at: isoDate,
  cancelled_at: isoDate.nullish(),
  cancel_reason: optionalText,
  financial_status: optionalText,
  fulfillment_status: optionalText,
  test: z.boolean().default(false),
  source_name: optionalText,
  landing_site: optionalText,
  referring_site: optionalText,
  discount_codes: z.array(z.looseObject({ code: z.string() })).nullish(),
  line_items: z.array(lineItemSchema),
  fulfillments: z.array(fulfillmentSchema).nullish(),
  refunds: z.array(refundSchema).nullish(),
  customer: customerSchema.nullish(),
});
export type ShopifyOrder = z.output<typeof orderSchema>;
