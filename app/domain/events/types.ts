/** The canonical vocabulary every source (webhooks, pixel, signup form, email) is normalised into. */

export const CANONICAL_EVENT_NAMES = [
  "Placed Order",
  "Ordered Product",
  "Paid Order",
  "Fulfilled Order",
  "Cancelled Order",
  "Refunded Order",
  "Returned Order",
  "Started Checkout",
  "Updated Checkout",
  "Subscribed to Email",
  "Unsubscribed from Email",
  "Viewed Product",
  "Added to Cart",
  "Active on Site",
  // Email engagement (app/models/email-engagement.server.ts: tracking links and Resend's delivery webhooks).
  "Opened Email",
  "Clicked Email",
  "Bounced Email",
  "Marked Email as Spam",
  // Lead scoring (app/models/lead-score.server.ts): the score crossed the shop's threshold upward.
  "Became Sales-Ready",
  // Segment membership (app/models/segment-membership.server.ts): a profile started or stopped matching a segment.
  "Entered Segment",
  "Left Segment",
] as const;

export type CanonicalEventName = (typeof CANONICAL_EVENT_NAMES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type CanonicalEvent = {
  name: CanonicalEventName;
  occurredAt: Date;
  /** Deterministic from the fact itself (not the delivery), so any redelivery maps to the same row. */
  sourceId: string;
  properties: JsonObject;
  valueMinor?: bigint;
  currency?: string;
};

/** Everything a payload says about who the person is; any one of these can find the profile. */
export type IdentityHints = {
  shopifyCustomerId?: string;
  email?: string; // normalised: trimmed, lower-cased
  phone?: string; // E.164 when it can be made so, else as given
  checkoutToken?: string;
  pixelClientId?: string;
};

export type EmailConsentState = "subscribed" | "unsubscribed" | "pending" | "unknown";

/** Profile fields a payload asserts, as of `asOf` (a newer assertion wins, an older one is ignored). */
export type ProfileFacts = {
  asOf: Date;
  firstName?: string;
  lastName?: string;
  emailConsent?: { state: EmailConsentState; at: Date; source: string };
};

/** The order's money state as of `updatedAt`: what computed properties and attribution use. */
export type OrderFact = {
  orderId: string;
  updatedAt: Date;
  placedAt: Date;
  currency: string;
  totalMinor: bigint;
  refundedMinor: bigint;
  cancelled: boolean;
  test: boolean;
};

/** A refund as Shopify reports it: money actually returned to the customer. */
export type RefundFact = {
  orderId: string;
  refundId: string;
  at: Date;
  amountMinor: bigint;
  currency: string;
};

export type Normalized = {
  identity: IdentityHints;
  profile?: ProfileFacts;
  events: CanonicalEvent[];
  order?: OrderFact;
  refund?: RefundFact;
  /** customers/delete: the customer left the shop; their profile's Shopify link goes. */
  deletedCustomerId?: string;
};

export type NormalizeResult = { ok: true; value: Normalized } | { ok: false; error: string };
