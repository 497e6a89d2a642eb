import { toDecimalString } from "../domain/money";

/**
 * Webhook payloads in Shopify's REST shape (as in Shopify's published samples, API 2026-07) for the demo's
 * simulated store activity. Ids are 64-bit decimal strings written into the JSON as bare numbers, as Shopify does.
 */
export type DemoCustomer = { id: string; email: string; firstName: string; lastName: string };
export type DemoLine = { productId: string; variantId: string; title: string; priceMinor: bigint; quantity: number };

/** JSON text with `"__id:123"` placeholders turned into bare integers (JSON.stringify cannot write 64-bit ids). */
function withBareIds(value: unknown): string {
  return JSON.stringify(value).replace(/"__id:(\d+)"/g, "$1");
}
const id = (value: string) => `__id:${value}`;

function customerObject(c: DemoCustomer, at: string, consent?: "subscribed" | "unsubscribed") {
  return {
    id: id(c.id),
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    phone: null,
    created_at: at,
    updated_at: at,
    currency: "USD",
    admin_graphql_api_id: `gid://shopify/Customer/${c.id}`,
    ...(consent ? { email_marketing_consent: { state: consent, opt_in_level: "single_opt_in", consent_updated_at: at } } : {}),
  };
}

function lineItems(lines: DemoLine[], idBase: bigint) {
  return lines.map((l, i) => ({
    id: id((idBase + BigInt(i)).toString()),
    product_id: id(l.productId),
    variant_id: id(l.variantId),
    title: l.title,
    variant_title: null,
    sku: null,
    vendor: "Northwind",
    quantity: l.quantity,
    price: toDecimalString(l.priceMinor, "USD"),
    discount_allocations: [],
  }));
}

const total = (lines: DemoLine[]) => lines.reduce((sum, l) => sum + l.priceMinor * BigInt(l.quantity), 0n);

export function orderCreatedPayload(orderId: string, orderNumber: number, customer: DemoCustomer, lines: DemoLine[], at: Date, checkoutToken: string) {
  const iso = at.toISOString();
  const amount = toDecimalString(total(lines), "USD");
  return withBareIds({
    id: id(orderId),
    admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
    name: `#${orderNumber}`,
    order_number: orderNumber,
    email: customer.email,
    contact_email: customer.email,
    checkout_token: checkoutToken,
    currency: "USD",
    presentment_currency: "USD",
    total_price: amount,
    current_total_price: amount,
    subtotal_price: amount,
    total_discounts: "0.00",
    total_tax: "0.00",
    created_at: iso,
    processed_at: iso,
    updated_at: iso,
    cancelled_at: null,
    financial_status: "paid",
    fulfillment_status: null,
    test: false,
    source_name: "web",
    discount_codes: [],
    line_items: lineItems(lines, BigInt(orderId) * 10n),
    refunds: [],
    customer: customerObject(customer, iso),
  });
}

export function checkoutPayload(token: string, customer: DemoCustomer, lines: DemoLine[], at: Date, shopDomain: string) {
  const iso = at.toISOString();
  const amount = toDecimalString(total(lines), "USD");
  return withBareIds({
    token,
    cart_token: `cart-${token}`,
    email: customer.email,
    currency: "USD",
    presentment_currency: "USD",
    total_price: amount,
    subtotal_price: amount,
    created_at: iso,
    updated_at: iso,
    completed_at: null,
    abandoned_checkout_url: `https://${shopDomain}/checkouts/${token}/recover`,
    line_items: lines.map((l) => ({
      product_id: id(l.productId),
      variant_id: id(l.variantId),
      title: l.title,
      variant_title: null,
      quantity: l.quantity,
      price: toDecimalString(l.priceMinor, "USD"),
    })),
    customer: customerObject(customer, iso),
  });
}

export function customerCreatedPayload(customer: DemoCustomer, at: Date) {
  return withBareIds(customerObject(customer, at.toISOString(), "subscribed"));
}
