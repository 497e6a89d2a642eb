/**
 * Pure mapping from Shopify's customer events to the compact body the app's /ingest/pixel endpoint accepts
 * (pixelWireSchema in app/domain/events/pixel.ts; tests/extensions/web-pixel.test.ts keeps the two in step).
 * No sandbox APIs here, so it runs under vitest as is.
 */
import type {
  CheckoutLineItem,
  MoneyV2,
  PixelEventsCheckoutContactInfoSubmitted,
  PixelEventsCheckoutStarted,
  PixelEventsPageViewed,
  PixelEventsProductAddedToCart,
  PixelEventsProductViewed,
  ProductVariant,
} from "@shopify/web-pixels-extension";

/** The events this pixel subscribes to. */
export const SUBSCRIBED_EVENTS = [
  "page_viewed",
  "product_viewed",
  "product_added_to_cart",
  "checkout_started",
  "checkout_contact_info_submitted",
] as const;

export type SubscribedEvent =
  | PixelEventsPageViewed
  | PixelEventsProductViewed
  | PixelEventsProductAddedToCart
  | PixelEventsCheckoutStarted
  | PixelEventsCheckoutContactInfoSubmitted;

/** The query parameter our email links carry the signed profile token in. */
export const PROFILE_TOKEN_PARAM = "_sft";

const MAX_LINES = 50; // keeps a large checkout well under the endpoint's 32 KB cap

export type PixelSettings = { ingestUrl: string; ingestKey: string };
export type WireMoney = { amount: number; currency: string };
export type WireVariant = {
  productId: string;
  variantId?: string;
  productTitle?: string;
  variantTitle?: string;
  vendor?: string;
  sku?: string;
  price?: WireMoney;
  imageUrl?: string;
  productUrl?: string;
};
type Common = { id: string; timestamp: string; clientId: string; url?: string };
export type WireEvent =
  | (Common & { name: "page_viewed" })
  | (Common & { name: "product_viewed"; variant: WireVariant })
  | (Common & { name: "product_added_to_cart"; variant: WireVariant; quantity: number; lineTotal?: WireMoney })
  | (Common & { name: "checkout_started"; checkoutToken?: string; total?: WireMoney; lines: WireLine[] })
  | (Common & { name: "checkout_contact_info_submitted"; checkoutToken?: string; email?: string });
export type WireLine = {
  productId?: string;
  variantId?: string;
  title?: string;
  variantTitle?: string;
  quantity: number;
  price?: WireMoney;
};
export type WireBody = { shop: string; key: string; profileToken?: string; event: WireEvent };

/** The pixel's settings when both are present and the URL is absolute http(s); null leaves the pixel idle. */
export function readSettings(settings: Record<string, unknown>): PixelSettings | null {
  const { ingestUrl, ingestKey } = settings;
  if (typeof ingestUrl !== "string" || typeof ingestKey !== "string" || !ingestKey) return null;
  try {
    const url = new URL(ingestUrl);
    return url.protocol === "https:" || url.protocol === "http:" ? { ingestUrl: url.href, ingestKey } : null;
  } catch {
    return null;
  }
}

/** The signed profile token from a landing page's query string ("?_sft=..."), if any. */
export function profileTokenFrom(search: string): string | undefined {
  try {
    const token = new URLSearchParams(search).get(PROFILE_TOKEN_PARAM)?.trim();
    return token && token.length <= 1000 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** The page URL without the profile token: the token is a credential and must not be stored with events. */
export function pageUrl(href: string | undefined): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href);
    url.searchParams.delete(PROFILE_TOKEN_PARAM);
    return clip(url.href, 2048);
  } catch {
    return undefined;
  }
}

function clip(value: string | null | undefined, max: number): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : undefined;
}

/** Product and variant ids as digits (the pixel may give a gid); anything else is dropped. */
function numericId(id: string | null | undefined): string | undefined {
  const match = id ? /^(?:gid:\/\/shopify\/\w+\/)?(\d+)$/.exec(id) : null;
  return match ? match[1] : undefined;
}

function money(m: MoneyV2 | null | undefined): WireMoney | undefined {
  if (!m || typeof m.amount !== "number" || !Number.isFinite(m.amount) || m.amount < 0) return undefined;
  return /^[A-Z]{3}$/.test(m.currencyCode ?? "") ? { amount: m.amount, currency: m.currencyCode } : undefined;
}

function variantOf(v: ProductVariant | null | undefined): WireVariant | undefined {
  const productId = numericId(v?.product?.id);
  if (!v || !productId) return undefined;
  return dropUndefined({
    productId,
    variantId: numericId(v.id),
    productTitle: clip(v.product.title, 500),
    variantTitle: clip(v.title, 500),
    vendor: clip(v.product.vendor, 255),
    sku: clip(v.sku, 255),
    price: money(v.price),
    imageUrl: clip(v.image?.src, 2048),
    productUrl: clip(v.product.url, 2048),
  });
}

function lineOf(line: CheckoutLineItem): WireLine {
  return dropUndefined({
    productId: numericId(line.variant?.product?.id),
    variantId: numericId(line.variant?.id),
    title: clip(line.title, 500),
    variantTitle: clip(line.variant?.title, 500),
    quantity: Number.isInteger(line.quantity) && line.quantity >= 0 ? line.quantity : 0,
    price: money(line.variant?.price),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Shopify's event -> our wire event; null when it lacks what the event means (a product view without a product). */
export function wireEvent(event: SubscribedEvent): WireEvent | null {
  const common: Common = dropUndefined({
    id: event.id,
    timestamp: event.timestamp,
    clientId: event.clientId,
    url: pageUrl(event.context?.document?.location?.href),
  });
  switch (event.name) {
    case "page_viewed":
      return { ...common, name: event.name };
    case "product_viewed": {
      const variant = variantOf(event.data?.productVariant);
      return variant ? { ...common, name: event.name, variant } : null;
    }
    case "product_added_to_cart": {
      const line = event.data?.cartLine;
      const variant = variantOf(line?.merchandise);
      if (!line || !variant || !Number.isInteger(line.quantity) || line.quantity < 1) return null;
      return dropUndefined({ ...common, name: event.name, variant, quantity: line.quantity, lineTotal: money(line.cost?.totalAmount) });
    }
    case "checkout_started": {
      const checkout = event.data?.checkout;
      return dropUndefined({
        ...common,
        name: event.name,
        checkoutToken: clip(checkout?.token, 200),
        total: money(checkout?.totalPrice),
        lines: (checkout?.lineItems ?? []).slice(0, MAX_LINES).map(lineOf),
      });
    }
    case "checkout_contact_info_submitted": {
      const checkout = event.data?.checkout;
      const email = checkout?.email?.trim();
      return dropUndefined({
        ...common,
        name: event.name,
        checkoutToken: clip(checkout?.token, 200),
        email: email && email.length <= 320 ? email : undefined,
      });
    }
    default:
      return null;
  }
}

/** The whole POST body, or null when the event is not worth sending. */
export function wireBody(
  event: SubscribedEvent,
  context: { shop: string; settings: PixelSettings; profileToken?: string },
): WireBody | null {
  const wire = wireEvent(event);
  if (!wire) return null;
  return dropUndefined({ shop: context.shop, key: context.settings.ingestKey, profileToken: context.profileToken, event: wire });
}
