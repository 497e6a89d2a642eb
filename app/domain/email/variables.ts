/**
 * The Liquid variables of one email: the profile, the shop, the triggering event's checkout, order or product,
 * the recipient's discount and their unsubscribe links. Event properties are read from what the normalisers
 * stored (events/checkouts.ts, order-events.ts, pixel.ts) through schemas: a malformed item is dropped, a
 * malformed event gives empty variables, nothing throws. Prices are formatted for display with their currency.
 */
import { z } from "zod";
import { currencyFractionDigits, toDecimalString, toMinorUnits } from "../money";
import type { Brand } from "./mjml";

export type LineItemVariables = {
  title: string;
  variant_title: string | null;
  image_url: string | null;
  price: string | null;
  quantity: number;
  url: string | null;
};

export type TemplateVariables = {
  profile: { first_name: string | null; last_name: string | null; email: string | null; properties: Record<string, PropertyValue> };
  shop: { name: string; logo_url: string | null; brand_color: string; address: string | null; url: string };
  checkout: { url: string; line_items: LineItemVariables[]; item_count: number; total: string | null } | null;
  order: { name: string | null; line_items: LineItemVariables[]; item_count: number; total: string | null } | null;
  product: { title: string; url: string; image_url: string | null; price: string | null } | null;
  discount: { code: string; description: string; expires_at: string | null } | null;
  links: { unsubscribe: string; preferences: string };
};

type PropertyValue = string | number | boolean | null | Array<string | number | boolean | null>;

export type TemplateVariablesInput = {
  profile: { firstName: string | null; lastName: string | null; email: string | null; properties: unknown };
  shop: Brand;
  trigger: { name: string; properties: unknown } | null;
  discount: { code: string; description: string; expiresAt: Date | null } | null;
  links: { unsubscribe: string; preferences: string };
};

const MAX_ITEMS = 50;
const MAX_PROPERTIES = 100;

const formatters = new Map<string, Intl.NumberFormat>();

/** "19.99" USD -> "$19.99"; null for anything that is not an exact amount in a known currency. */
export function displayPrice(amount: unknown, currency: unknown): string | null {
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) return null;
  const decimal = typeof amount === "number" && Number.isFinite(amount) ? amount.toFixed(currencyFractionDigits(currency)) : amount;
  if (typeof decimal !== "string") return null;
  // A shop has a few hundred distinct prices and every email shows some: format each once.
  const key = `${currency}${decimal}`;
  const known = priceCache.get(key);
  if (known !== undefined) return known;
  const formatted = formatPrice(decimal, currency);
  if (priceCache.size >= PRICE_CACHE_SIZE) priceCache.delete(priceCache.keys().next().value as string);
  priceCache.set(key, formatted);
  return formatted;
}

const PRICE_CACHE_SIZE = 5_000;
const priceCache = new Map<string, string | null>();

function formatPrice(decimal: string, currency: string): string | null {
  try {
    const minor = toMinorUnits(decimal, currency);
    let format = formatters.get(currency);
    if (!format) {
      format = new Intl.NumberFormat("en-US", { style: "currency", currency });
      formatters.set(currency, format);
    }
    // Intl formats decimal strings exactly; the cast is only for the older lib typing.
    return format.format(toDecimalString(minor, currency) as unknown as number);
  } catch {
    return null;
  }
}

/** An absolute http(s) URL (protocol-relative CDN URLs become https), else null. */
export function webUrl(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim().startsWith("//") ? `https:${value.trim()}` : value.trim();
  if (!/^https?:\/\//i.test(text) || text.length > 2048) return null;
  try {
    return new URL(text).href;
  } catch {
    return null;
  }
}

const optionalText = (max: number) =>
  z.unknown().optional().transform((v) => (typeof v === "string" && v.trim() ? v.trim().slice(0, max) : null));

const lineItemSchema = z.object({
  title: z.string().trim().min(1).transform((t) => t.slice(0, 300)),
  variantTitle: optionalText(300),
  quantity: z.number().int().min(0).max(100_000).catch(1),
  price: z.unknown().optional(),
  imageUrl: z.unknown().optional(),
  url: z.unknown().optional(),
  productUrl: z.unknown().optional(),
});

const checkoutSchema = z.object({
  abandonedCheckoutUrl: z.unknown().optional(),
  totalPrice: z.unknown().optional(),
  currency: z.unknown().optional(),
  lineItems: z.array(z.unknown()).catch([]),
});

const orderSchema = z.object({
  orderName: optionalText(100),
  totalPrice: z.unknown().optional(),
  currency: z.unknown().optional(),
  lineItems: z.array(z.unknown()).catch([]),
});

const productSchema = z.object({
  productTitle: optionalText(300),
  title: optionalText(300),
  price: z.unknown().optional(),
  currency: z.unknown().optional(),
  imageUrl: z.unknown().optional(),
  productUrl: z.unknown().optional(),
  url: z.unknown().optional(),
});

function lineItems(raw: unknown[], currency: unknown, fallbackUrl: string): LineItemVariables[] {
  const items: LineItemVariables[] = [];
  for (const entry of raw.slice(0, MAX_ITEMS)) {
    const parsed = lineItemSchema.safeParse(entry);
    if (!parsed.success) continue;
    const line = parsed.data;
    items.push({
      title: line.title,
      variant_title: line.variantTitle,
      image_url: webUrl(line.imageUrl),
      price: displayPrice(line.price, currency),
      quantity: line.quantity,
      url: webUrl(line.productUrl) ?? webUrl(line.url) ?? fallbackUrl,
    });
  }
  return items;
}

const itemCount = (items: LineItemVariables[]) => items.reduce((sum, item) => sum + item.quantity, 0);

function checkoutOf(properties: unknown, shopUrl: string): TemplateVariables["checkout"] {
  const parsed = checkoutSchema.safeParse(properties);
  if (!parsed.success) return null;
  const c = parsed.data;
  // A checkout seen only by the pixel has no recovery URL: the cart is the next best place.
  const url = webUrl(c.abandonedCheckoutUrl) ?? `${shopUrl.replace(/\/+$/, "")}/cart`;
  const items = lineItems(c.lineItems, c.currency, url);
  return { url, line_items: items, item_count: itemCount(items), total: displayPrice(c.totalPrice, c.currency) };
}

function orderOf(properties: unknown, shopUrl: string): TemplateVariables["order"] {
  const parsed = orderSchema.safeParse(properties);
  if (!parsed.success) return null;
  const o = parsed.data;
  const items = lineItems(o.lineItems, o.currency, shopUrl);
  return { name: o.orderName, line_items: items, item_count: itemCount(items), total: displayPrice(o.totalPrice, o.currency) };
}

function productOf(properties: unknown, shopUrl: string): TemplateVariables["product"] {
  const parsed = productSchema.safeParse(properties);
  if (!parsed.success) return null;
  const p = parsed.data;
  const title = p.productTitle ?? p.title;
  if (!title) return null;
  return {
    title,
    url: webUrl(p.productUrl) ?? webUrl(p.url) ?? shopUrl,
    image_url: webUrl(p.imageUrl),
    price: displayPrice(p.price, p.currency),
  };
}

const PROPERTY_KEY = /^[A-Za-z_][\w-]{0,63}$/;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function scalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)) || typeof value === "string";
}

/** Custom profile properties as templates may print them: scalars and lists of scalars, strings capped. */
function propertiesOf(raw: unknown): Record<string, PropertyValue> {
  const out: Record<string, PropertyValue> = {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return out;
  let count = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (count >= MAX_PROPERTIES) break;
    if (!PROPERTY_KEY.test(key) || FORBIDDEN_KEYS.has(key)) continue;
    const cap = (v: string | number | boolean | null) => (typeof v === "string" ? v.slice(0, 1000) : v);
    if (scalar(value)) out[key] = cap(value);
    else if (Array.isArray(value)) out[key] = value.filter(scalar).slice(0, 50).map(cap);
    else continue;
    count++;
  }
  return out;
}

const name = (value: string | null) => (value?.trim() ? value.trim().slice(0, 200) : null);

/** The variables for one recipient; untrusted stored data is checked field by field and never throws. */
export function buildTemplateVariables(input: TemplateVariablesInput): TemplateVariables {
  const shopUrl = webUrl(input.shop.shopUrl) ?? input.shop.shopUrl;
  const trigger = input.trigger;
  const kind = trigger?.name ?? "";
  return {
    profile: {
      first_name: name(input.profile.firstName),
      last_name: name(input.profile.lastName),
      email: input.profile.email,
      properties: propertiesOf(input.profile.properties),
    },
    shop: {
      name: input.shop.shopName,
      logo_url: webUrl(input.shop.logoUrl),
      brand_color: input.shop.brandColor,
      address: input.shop.postalAddress?.trim() || null,
      url: shopUrl,
    },
    checkout: kind === "Started Checkout" || kind === "Updated Checkout" ? checkoutOf(trigger?.properties, shopUrl) : null,
    order: kind === "Placed Order" || kind === "Paid Order" || kind === "Fulfilled Order" ? orderOf(trigger?.properties, shopUrl) : null,
    product: kind === "Viewed Product" || kind === "Added to Cart" ? productOf(trigger?.properties, shopUrl) : null,
    discount: input.discount
      ? { code: input.discount.code, description: input.discount.description, expires_at: input.discount.expiresAt?.toISOString() ?? null }
      : null,
    links: { ...input.links },
  };
}

/**
 * Variables for previews and test sends: a realistic customer with a two-item checkout, an order, a viewed
 * product and a discount (expiring 7 days after `now` when given). Links point nowhere.
 */
export function sampleTemplateVariables(shop: Brand, options: { now?: Date } = {}): TemplateVariables {
  const base = (webUrl(shop.shopUrl) ?? "https://example.com").replace(/\/+$/, "");
  const items = [
    { title: "Merino Crew Sweater", variantTitle: "Oat / M", quantity: 1, price: "89.00", productUrl: `${base}/products/merino-crew-sweater` },
    { title: "Canvas Weekender Bag", variantTitle: null, quantity: 2, price: "64.50", productUrl: `${base}/products/canvas-weekender-bag` },
  ];
  const variables = buildTemplateVariables({
    profile: { firstName: "Alex", lastName: "Morgan", email: "alex.morgan@example.com", properties: { favourite_category: "Knitwear" } },
    shop,
    trigger: { name: "Started Checkout", properties: { abandonedCheckoutUrl: `${base}/cart`, totalPrice: "218.00", currency: "USD", lineItems: items } },
    discount: {
      code: "THANKS-7QK2M9",
      description: "10% off your order",
      expiresAt: options.now ? new Date(options.now.getTime() + 7 * 86_400_000) : null,
    },
    links: { unsubscribe: "#unsubscribe", preferences: "#preferences" },
  });
  return {
    ...variables,
    order: orderOf({ orderName: "#1042", totalPrice: "218.00", currency: "USD", lineItems: items }, base),
    product: productOf({ productTitle: "Merino Crew Sweater", price: "89.00", currency: "USD", productUrl: `${base}/products/merino-crew-sweater` }, base),
  };
}
