import { toDecimalString } from "../domain/money";

/**
 * What Shopify would send for the demo's simulated store: webhook bodies in Shopify's REST shape (the fields of
 * Shopify's published samples, API 2026-07, tests/fixtures/shopify-webhooks) and the web pixel's POST body
 * (extensions/web-pixel/src/payload.ts). Ids are 64-bit decimal strings written into the JSON as bare numbers,
 * as Shopify does. Every timestamp is passed in: the demo stamps them with its virtual clock.
 */
export type DemoBuyer = { id: string; email: string; firstName: string; lastName: string };
export type DemoLine = { productId: string; variantId: string; title: string; priceMinor: bigint; quantity: number };
export type DemoOrderInput = {
  orderId: string;
  orderNumber: number;
  customer: DemoBuyer;
  lines: DemoLine[];
  placedAt: Date;
  checkoutToken: string;
  /** Line item ids are lineIdBase + index. */
  lineIdBase: bigint;
};

const CURRENCY = "USD";

/** JSON text with `"__id:123"` placeholders turned into bare integers (JSON.stringify cannot write 64-bit ids). */
function withBareIds(value: unknown): string {
  return JSON.stringify(value).replace(/"__id:(\d+)"/g, "$1");
}
const id = (value: string | bigint) => `__id:${value.toString()}`;
const money = (minor: bigint) => toDecimalString(minor, CURRENCY);
const moneySet = (minor: bigint) => ({
  shop_money: { amount: money(minor), currency_code: CURRENCY },
  presentment_money: { amount: money(minor), currency_code: CURRENCY },
});
const lineTotal = (l: DemoLine) => l.priceMinor * BigInt(l.quantity);
const total = (lines: DemoLine[]) => lines.reduce((sum, l) => sum + lineTotal(l), 0n);

type ConsentState = "subscribed" | "not_subscribed" | "unsubscribed";

// API 2026-07 customer objects carry no email_marketing_consent: consent comes on its own topic (consentUpdatePayload).
function customerObject(c: DemoBuyer, at: string) {
  return {
    id: id(c.id),
    email: c.email,
    created_at: at,
    updated_at: at,
    first_name: c.firstName,
    last_name: c.lastName,
    state: "enabled",
    verified_email: true,
    tax_exempt: false,
    phone: null,
    currency: CURRENCY,
    admin_graphql_api_id: `gid://shopify/Customer/${c.id}`,
  };
}

function orderLineItems(order: DemoOrderInput) {
  return order.lines.map((l, i) => {
    const lineId = order.lineIdBase + BigInt(i);
    return {
      id: id(lineId),
      admin_graphql_api_id: `gid://shopify/LineItem/${lineId}`,
      product_id: id(l.productId),
      variant_id: id(l.variantId),
      title: l.title,
      name: l.title,
      variant_title: null,
      sku: null,
      vendor: "Northwind",
      quantity: l.quantity,
      current_quantity: l.quantity,
      fulfillable_quantity: l.quantity,
      price: money(l.priceMinor),
      price_set: moneySet(l.priceMinor),
      total_discount: "0.00",
      total_discount_set: moneySet(0n),
      discount_allocations: [],
      gift_card: false,
      requires_shipping: true,
      taxable: true,
      tax_lines: [],
    };
  });
}

function orderObject(order: DemoOrderInput, updatedAt: Date, extra: Record<string, unknown>) {
  const placed = order.placedAt.toISOString();
  const amount = total(order.lines);
  return {
    id: id(order.orderId),
    admin_graphql_api_id: `gid://shopify/Order/${order.orderId}`,
    name: `#${order.orderNumber}`,
    number: order.orderNumber - 1000,
    order_number: order.orderNumber,
    email: order.customer.email,
    contact_email: order.customer.email,
    phone: null,
    checkout_token: order.checkoutToken,
    confirmed: true,
    currency: CURRENCY,
    presentment_currency: CURRENCY,
    total_price: money(amount),
    total_price_set: moneySet(amount),
    current_total_price: money(amount),
    subtotal_price: money(amount),
    total_line_items_price: money(amount),
    total_discounts: "0.00",
    total_tax: "0.00",
    taxes_included: false,
    created_at: placed,
    processed_at: placed,
    updated_at: updatedAt.toISOString(),
    cancelled_at: null,
    cancel_reason: null,
    financial_status: "paid",
    fulfillment_status: null,
    test: false,
    source_name: "web",
    discount_codes: [],
    tags: "",
    line_items: orderLineItems(order),
    fulfillments: [],
    refunds: [],
    customer: customerObject(order.customer, placed),
    ...extra,
  };
}

/** orders/create for a paid, unfulfilled web order. */
export function orderCreatedPayload(order: DemoOrderInput): string {
  return withBareIds(orderObject(order, order.placedAt, {}));
}

/** orders/fulfilled: the same order with every line shipped in one fulfillment at `fulfilledAt`. */
export function orderFulfilledPayload(order: DemoOrderInput, fulfillment: { fulfillmentId: string; fulfilledAt: Date; trackingNumber: string }): string {
  const at = fulfillment.fulfilledAt.toISOString();
  return withBareIds(
    orderObject(order, fulfillment.fulfilledAt, {
      fulfillment_status: "fulfilled",
      closed_at: null,
      fulfillments: [
        {
          id: id(fulfillment.fulfillmentId),
          admin_graphql_api_id: `gid://shopify/Fulfillment/${fulfillment.fulfillmentId}`,
          order_id: id(order.orderId),
          created_at: at,
          updated_at: at,
          status: "success",
          shipment_status: null,
          service: "manual",
          tracking_company: "UPS",
          tracking_number: fulfillment.trackingNumber,
          tracking_numbers: [fulfillment.trackingNumber],
          tracking_url: `https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=${fulfillment.trackingNumber}`,
          tracking_urls: [`https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=${fulfillment.trackingNumber}`],
          name: `#${order.orderNumber}.1`,
        },
      ],
    }),
  );
}

/** checkouts/create (completedAt null) or checkouts/update (e.g. completed at `completedAt`). */
export function checkoutPayload(
  token: string,
  customer: DemoBuyer,
  lines: DemoLine[],
  times: { createdAt: Date; updatedAt?: Date; completedAt?: Date | null },
  shopDomain: string,
): string {
  const created = times.createdAt.toISOString();
  const amount = money(total(lines));
  return withBareIds({
    token,
    cart_token: `c1-${token.slice(0, 24)}`,
    email: customer.email,
    phone: null,
    buyer_accepts_marketing: false,
    currency: CURRENCY,
    presentment_currency: CURRENCY,
    total_price: amount,
    subtotal_price: amount,
    total_line_items_price: amount,
    total_discounts: "0.00",
    total_tax: "0.00",
    taxes_included: false,
    created_at: created,
    updated_at: (times.updatedAt ?? times.createdAt).toISOString(),
    completed_at: times.completedAt ? times.completedAt.toISOString() : null,
    closed_at: null,
    source_name: "web",
    abandoned_checkout_url: `https://${shopDomain}/checkouts/${token}/recover`,
    discount_codes: [],
    line_items: lines.map((l) => ({
      key: `${l.variantId}:${token.slice(0, 8)}`,
      product_id: id(l.productId),
      variant_id: id(l.variantId),
      title: l.title,
      variant_title: null,
      vendor: "Northwind",
      quantity: l.quantity,
      price: money(l.priceMinor),
      line_price: money(lineTotal(l)),
      requires_shipping: true,
      taxable: true,
      gift_card: false,
    })),
    customer: customerObject(customer, created),
  });
}

/**
 * refunds/create for the order's lines at `lineIndexes` (each fully), paid back in one successful transaction.
 * Refund line item ids are idBase + index; the transaction's id is idBase + 99.
 */
export function refundPayload(order: DemoOrderInput, refund: { refundId: string; at: Date; lineIndexes: number[]; idBase: bigint; note: string }): string {
  const at = refund.at.toISOString();
  const lines = refund.lineIndexes.map((index) => ({ index, line: order.lines[index] }));
  const amount = lines.reduce((sum, { line }) => sum + lineTotal(line), 0n);
  return withBareIds({
    id: id(refund.refundId),
    admin_graphql_api_id: `gid://shopify/Refund/${refund.refundId}`,
    order_id: id(order.orderId),
    created_at: at,
    processed_at: at,
    note: refund.note,
    restock: true,
    duties: [],
    total_duties_set: moneySet(0n),
    order_adjustments: [],
    refund_shipping_lines: [],
    refund_line_items: lines.map(({ index, line }) => ({
      id: id(refund.idBase + BigInt(index)),
      line_item_id: id(order.lineIdBase + BigInt(index)),
      quantity: line.quantity,
      restock_type: "return",
      subtotal: Number(money(lineTotal(line))),
      total_tax: 0,
      subtotal_set: moneySet(lineTotal(line)),
      total_tax_set: moneySet(0n),
      line_item: {
        id: id(order.lineIdBase + BigInt(index)),
        product_id: id(line.productId),
        variant_id: id(line.variantId),
        title: line.title,
        quantity: line.quantity,
        price: money(line.priceMinor),
      },
    })),
    transactions: [
      {
        id: id(refund.idBase + 99n),
        admin_graphql_api_id: `gid://shopify/OrderTransaction/${refund.idBase + 99n}`,
        order_id: id(order.orderId),
        kind: "refund",
        gateway: "shopify_payments",
        status: "success",
        message: null,
        created_at: at,
        processed_at: at,
        test: false,
        amount: money(amount),
        currency: CURRENCY,
        source_name: "web",
      },
    ],
  });
}

/** returns/request: the customer asks to send `quantity` items back (returns payloads carry no timestamp). */
export function returnRequestPayload(order: DemoOrderInput, request: { returnId: string; quantity: number }): string {
  return withBareIds({
    id: id(request.returnId),
    admin_graphql_api_id: `gid://shopify/Return/${request.returnId}`,
    status: "requested",
    order: { id: id(order.orderId), admin_graphql_api_id: `gid://shopify/Order/${order.orderId}` },
    total_return_line_items: request.quantity,
    name: `#${order.orderNumber}-R1`,
    return_line_items: [],
    return_shipping_fees: [],
    exchange_line_items: [],
    total_exchange_line_items: 0,
  });
}

/** customers/create for a shopper who signed up at `at` (their consent follows as consentUpdatePayload). */
export function customerCreatedPayload(customer: DemoBuyer, at: Date): string {
  return withBareIds(customerObject(customer, at.toISOString()));
}

/** customers_email_marketing_consent/update: an existing customer's consent changed at `at`. */
export function consentUpdatePayload(customer: DemoBuyer, at: Date, state: ConsentState): string {
  return withBareIds({
    customer_id: id(customer.id),
    email_address: customer.email,
    email_marketing_consent: { state, opt_in_level: "single_opt_in", consent_updated_at: at.toISOString() },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The web pixel's POST body to /ingest/pixel (pixelWireSchema in app/domain/events/pixel.ts).

export type DemoPixelProduct = { shopifyProductId: string; variantId: string; title: string; priceMinor: bigint; handle: string };
type PixelCommon = { eventId: string; at: Date; clientId: string; shopDomain: string; ingestKey: string };

function pixelBody(common: PixelCommon, name: string, url: string, fields: Record<string, unknown>): string {
  const event = { id: common.eventId, name, timestamp: common.at.toISOString(), clientId: common.clientId, url, ...fields };
  return JSON.stringify({ shop: common.shopDomain, key: common.ingestKey, event });
}

function pixelVariant(p: DemoPixelProduct, shopDomain: string) {
  return {
    productId: p.shopifyProductId,
    variantId: p.variantId,
    productTitle: p.title,
    vendor: "Northwind",
    price: { amount: Number(money(p.priceMinor)), currency: CURRENCY },
    productUrl: `https://${shopDomain}/products/${p.handle}`,
  };
}

/** product_viewed as the pixel posts it. */
export function pixelProductViewed(common: PixelCommon, product: DemoPixelProduct): string {
  return pixelBody(common, "product_viewed", `https://${common.shopDomain}/products/${product.handle}`, {
    variant: pixelVariant(product, common.shopDomain),
  });
}

/** product_added_to_cart as the pixel posts it. */
export function pixelAddedToCart(common: PixelCommon, product: DemoPixelProduct, quantity: number): string {
  return pixelBody(common, "product_added_to_cart", `https://${common.shopDomain}/products/${product.handle}`, {
    variant: pixelVariant(product, common.shopDomain),
    quantity,
    lineTotal: { amount: Number(money(product.priceMinor * BigInt(quantity))), currency: CURRENCY },
  });
}

/** checkout_contact_info_submitted: the shopper typed their email at checkout, which ties this browser to them. */
export function pixelContactInfoSubmitted(common: PixelCommon, checkoutToken: string, email: string): string {
  return pixelBody(common, "checkout_contact_info_submitted", `https://${common.shopDomain}/checkouts/${checkoutToken}/information`, {
    checkoutToken,
    email,
  });
}
