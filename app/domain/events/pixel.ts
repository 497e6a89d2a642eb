/**
 * Storefront events from our web pixel. Two shapes live here:
 * - the wire body the pixel posts (`pixelWireSchema`), validated by the ingest route;
 * - the inbox payload the route stores (`StoredPixelEvent`), which `normalizePixelEvent` maps to canonical facts.
 * The route alone writes inbox rows, so a `link` in a stored payload was verified there; nothing the browser
 * sends (a profile token included) becomes identity here except the pixel client id and a submitted email.
 */
import { z } from "zod";
import { currencyFractionDigits, toDecimalString, toMinorUnits } from "../money";
import { buildIdentity } from "./identity";
import { attempt, currencyCode, isoDate, parsePayload, PayloadError } from "./schemas";
import type { CanonicalEvent, IdentityHints, JsonObject, NormalizeResult } from "./types";

export const PIXEL_EVENT_NAMES = [
  "page_viewed",
  "product_viewed",
  "product_added_to_cart",
  "checkout_started",
  "checkout_contact_info_submitted",
] as const;
export type PixelEventName = (typeof PIXEL_EVENT_NAMES)[number];

const text = (max: number) => z.string().trim().min(1).max(max);
const optional = (max: number) => z.string().max(max).nullish().transform((s) => (s?.trim() ? s.trim() : undefined));

/** Product and variant ids as the pixel reports them: digits, or a Shopify gid ending in digits; stored as digits. */
const shopifyId = z
  .string()
  .max(100)
  .regex(/^(gid:\/\/shopify\/\w+\/)?\d+$/, "expected a numeric Shopify id")
  .transform((id) => id.slice(id.lastIndexOf("/") + 1));

/** The pixel API reports amounts as JSON numbers; decimal strings are accepted too. */
const money = z.object({
  amount: z.union([z.number().finite().nonnegative().max(1e12), z.string().regex(/^\d+(\.\d+)?$/, "expected a decimal amount")]),
  currency: currencyCode,
});
type Money = z.output<typeof money>;

const variant = z.object({
  productId: shopifyId,
  variantId: shopifyId.nullish(),
  productTitle: optional(500),
  variantTitle: optional(500),
  vendor: optional(255),
  sku: optional(255),
  price: money.nullish(),
  imageUrl: optional(2048),
  productUrl: optional(2048),
});

const checkoutLine = z.object({
  productId: shopifyId.nullish(),
  variantId: shopifyId.nullish(),
  title: optional(500),
  variantTitle: optional(500),
  quantity: z.number().int().nonnegative().max(100_000),
  price: money.nullish(),
});

/** The email links' profile-token parameter: a credential, so never kept in a stored page URL. */
export const PROFILE_TOKEN_PARAM = "_sft";

function withoutProfileToken(url: string | undefined): string | undefined {
  if (!url || !url.includes(PROFILE_TOKEN_PARAM)) return url;
  try {
    const parsed = new URL(url);
    parsed.searchParams.delete(PROFILE_TOKEN_PARAM);
    return parsed.href;
  } catch {
    return undefined;
  }
}

const common = {
  id: text(200),
  timestamp: isoDate,
  clientId: text(200),
  url: optional(2048).transform(withoutProfileToken),
};

/** One storefront event as the pixel sends it (and as stored): Shopify's event id, time, client id, and its facts. */
export const pixelEventSchema = z.discriminatedUnion(
  "name",
  [
    z.object({ name: z.literal("page_viewed"), ...common }),
    z.object({ name: z.literal("product_viewed"), ...common, variant }),
    z.object({
      name: z.literal("product_added_to_cart"),
      ...common,
      variant,
      quantity: z.number().int().positive().max(100_000),
      lineTotal: money.nullish(),
    }),
    z.object({
      name: z.literal("checkout_started"),
      ...common,
      checkoutToken: optional(200),
      total: money.nullish(),
      lines: z.array(checkoutLine).max(250).default([]),
    }),
    z.object({
      name: z.literal("checkout_contact_info_submitted"),
      ...common,
      checkoutToken: optional(200),
      email: optional(320),
    }),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? `unknown event name; expected one of ${PIXEL_EVENT_NAMES.join(", ")}` : undefined) },
);
export type PixelEvent = z.output<typeof pixelEventSchema>;
export type PixelEventInput = z.input<typeof pixelEventSchema>;

/** What the pixel POSTs: the shop it belongs to, the shop's ingest key, an optional profile token, the event. */
export const pixelWireSchema = z.object({
  shop: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "expected the shop's myshopify.com domain"),
  key: z.string().max(200).default(""), // absent -> "" -> 401 in the route, not a 400
  profileToken: z.string().min(1).max(1000).nullish(),
  event: pixelEventSchema,
});
export type PixelWireBody = z.output<typeof pixelWireSchema>;

/** Identity the ingest route proved (from a verified profile token) and adds to the event's own hints. */
export const verifiedLinkSchema = z.object({
  profileId: z.string().min(1),
  shopifyCustomerId: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  phone: z.string().min(1).optional(),
});
export type VerifiedLink = z.output<typeof verifiedLinkSchema>;

const storedSchema = z.object({
  v: z.literal(1),
  receivedAt: isoDate,
  event: z.unknown(),
  link: verifiedLinkSchema.optional(),
});

/** The inbox payload for source "web_pixel"; `link` only ever comes from the route's own verification. */
export type StoredPixelEvent = { v: 1; receivedAt: string; event: PixelEventInput; link?: VerifiedLink };

/** Serialises the route's validated event into the inbox payload the worker will normalise. */
export function storedPixelPayload(event: PixelEvent, receivedAt: Date, link?: VerifiedLink): string {
  const stored: StoredPixelEvent = {
    v: 1,
    receivedAt: receivedAt.toISOString(),
    event: { ...event, timestamp: event.timestamp.toISOString() },
    ...(link ? { link } : {}),
  };
  return JSON.stringify(stored);
}

// Browser clocks are wrong often enough: a time beyond these bounds around receipt is replaced by the receipt time.
const MAX_AHEAD_MS = 5 * 60_000;
const MAX_BEHIND_MS = 7 * 24 * 60 * 60_000;

/** The event's own time when plausible, else when the server received it. */
export function plausibleTime(reported: Date, receivedAt: Date): Date {
  const delta = reported.getTime() - receivedAt.getTime();
  return delta > MAX_AHEAD_MS || delta < -MAX_BEHIND_MS ? receivedAt : reported;
}

function minorOf(m: Money, field: string): bigint {
  try {
    if (typeof m.amount === "string") return toMinorUnits(m.amount, m.currency);
    return BigInt(Math.round(m.amount * 10 ** currencyFractionDigits(m.currency)));
  } catch (error) {
    throw new PayloadError(`${field}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function decimalOf(m: Money | null | undefined, field: string): string | null {
  return m ? toDecimalString(minorOf(m, field), m.currency) : null;
}

function variantProperties(v: z.output<typeof variant>): JsonObject {
  return {
    productId: v.productId,
    variantId: v.variantId ?? null,
    productTitle: v.productTitle ?? null,
    variantTitle: v.variantTitle ?? null,
    vendor: v.vendor ?? null,
    sku: v.sku ?? null,
    price: decimalOf(v.price, "variant.price"),
    currency: v.price?.currency ?? null,
    imageUrl: v.imageUrl ?? null,
    productUrl: v.productUrl ?? null,
  };
}

/**
 * One "Active on Site" per client per UTC hour: page views are frequent and the event means "was here", so
 * more would only grow the table. Profiles' lastActiveAt still follows every view.
 */
function activeOnSite(e: PixelEvent, at: Date): CanonicalEvent {
  const hour = at.toISOString().slice(0, 13);
  return { name: "Active on Site", occurredAt: at, sourceId: `pixel:active:${e.clientId}:${hour}`, properties: { url: e.url ?? null } };
}

function eventsOf(e: PixelEvent, at: Date): CanonicalEvent[] {
  const base = { occurredAt: at, sourceId: `pixel:${e.id}` };
  switch (e.name) {
    case "page_viewed":
    case "checkout_contact_info_submitted":
      return [activeOnSite(e, at)];
    case "product_viewed":
      return [{
        ...base,
        name: "Viewed Product",
        properties: { ...variantProperties(e.variant), url: e.url ?? null },
        ...(e.variant.price ? { valueMinor: minorOf(e.variant.price, "variant.price"), currency: e.variant.price.currency } : {}),
      }];
    case "product_added_to_cart": {
      const total = e.lineTotal ?? (e.variant.price ? { ...e.variant.price } : null);
      const totalMinor = e.lineTotal
        ? minorOf(e.lineTotal, "lineTotal")
        : e.variant.price
          ? minorOf(e.variant.price, "variant.price") * BigInt(e.quantity)
          : undefined;
      return [{
        ...base,
        name: "Added to Cart",
        properties: {
          ...variantProperties(e.variant),
          quantity: e.quantity,
          lineTotal: total && totalMinor !== undefined ? toDecimalString(totalMinor, total.currency) : null,
          url: e.url ?? null,
        },
        ...(total && totalMinor !== undefined ? { valueMinor: totalMinor, currency: total.currency } : {}),
      }];
    }
    case "checkout_started": {
      // Without a token the checkout cannot be told apart from another, nor joined with checkouts/create.
      if (!e.checkoutToken) return [activeOnSite(e, at)];
      return [{
        name: "Started Checkout",
        occurredAt: at,
        // Same sourceId as checkouts/create: the webhook and the pixel report one fact, stored once.
        sourceId: `checkout:${e.checkoutToken}:started`,
        properties: {
          checkoutToken: e.checkoutToken,
          cartToken: null,
          abandonedCheckoutUrl: null,
          totalPrice: decimalOf(e.total, "total"),
          currency: e.total?.currency ?? null,
          lineItems: e.lines.map((line, i) => ({
            productId: line.productId ?? null,
            variantId: line.variantId ?? null,
            title: line.title ?? null,
            variantTitle: line.variantTitle ?? null,
            quantity: line.quantity,
            price: decimalOf(line.price, `lines.${i}.price`),
          })),
          source: "web_pixel",
        },
        ...(e.total ? { valueMinor: minorOf(e.total, "total"), currency: e.total.currency } : {}),
      }];
    }
  }
}

function identityOf(e: PixelEvent, link: VerifiedLink | undefined): IdentityHints {
  const fromEvent = buildIdentity({
    emails: e.name === "checkout_contact_info_submitted" ? [e.email] : [],
    checkoutToken: e.name === "checkout_started" || e.name === "checkout_contact_info_submitted" ? e.checkoutToken : undefined,
  });
  const fromLink = link
    ? buildIdentity({ shopifyCustomerId: link.shopifyCustomerId, emails: [link.email], phones: [link.phone] })
    : {};
  // The verified link names the person more strongly than a typed-in email; it wins where both speak.
  return { ...fromEvent, ...fromLink, pixelClientId: e.clientId };
}

/** A stored web-pixel inbox payload -> canonical facts. Pure: no I/O, no clock. */
export function normalizePixelEvent(rawBody: string): NormalizeResult {
  return attempt("web_pixel", () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch (error) {
      throw new PayloadError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const stored = parsePayload(storedSchema, parsed);
    const event = parsePayload(pixelEventSchema, stored.event);
    const at = plausibleTime(event.timestamp, stored.receivedAt);
    return { identity: identityOf(event, stored.link), events: eventsOf(event, at) };
  });
}
