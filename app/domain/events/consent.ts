/**
 * Email marketing consent: the `email_marketing_consent` object (customers/*, an order's or checkout's `customer`)
 * and the customers_email_marketing_consent/update topic.
 */
import { z } from "zod";
import { buildIdentity } from "./identity";
import { attempt, isoDate, optionalText, parsePayload, shopifyId } from "./schemas";
import type { CanonicalEvent, EmailConsentState, NormalizeResult, ProfileFacts } from "./types";

export const emailConsentSchema = z.looseObject({
  state: z.string().nullish(),
  opt_in_level: z.string().nullish(),
  consent_updated_at: isoDate.nullish(),
});
export type ShopifyEmailConsent = z.output<typeof emailConsentSchema>;

/**
 * When a consent state carries no date at all (no consent_updated_at, no updated_at in the payload), it is dated at
 * the epoch: an undated statement then only fills a blank, and any dated assertion (older or newer) beats it.
 * Shopify leaves consent_updated_at null when the consent has never changed, so nothing real is lost.
 */
export const UNDATED = new Date(0);

/** Shopify's states -> ours. Unknown future states read as "unknown" rather than failing the payload. */
export function mapConsentState(state: string | null | undefined): EmailConsentState {
  switch (state) {
    case "subscribed":
      return "subscribed";
    case "unsubscribed":
    case "redacted":
      return "unsubscribed";
    case "pending":
      return "pending";
    default: // not_subscribed, invalid, null, anything new
      return "unknown";
  }
}

export type ConsentFacts = {
  emailConsent: NonNullable<ProfileFacts["emailConsent"]>;
  events: CanonicalEvent[];
};

/**
 * The consent assertion, plus a Subscribed/Unsubscribed event when the state is one of those AND
 * consent_updated_at says when it changed. The sourceId depends only on (customer, state, change instant), so
 * customers/update and the consent topic reporting one change collapse onto one event. Without
 * consent_updated_at there is no event: a restatement cannot be told from a change.
 */
export function consentFacts(
  customerId: string,
  consent: ShopifyEmailConsent,
  payloadUpdatedAt: Date | null | undefined,
): ConsentFacts {
  const state = mapConsentState(consent.state);
  const changedAt = consent.consent_updated_at ?? null;
  const emailConsent = { state, at: changedAt ?? payloadUpdatedAt ?? UNDATED, source: "shopify" };
  if (changedAt === null || (state !== "subscribed" && state !== "unsubscribed")) return { emailConsent, events: [] };
  const event: CanonicalEvent = {
    name: state === "subscribed" ? "Subscribed to Email" : "Unsubscribed from Email",
    occurredAt: changedAt,
    sourceId: `consent:${customerId}:${state}:${changedAt.toISOString()}`,
    properties: {
      customerId,
      state,
      shopifyState: consent.state ?? null,
      optInLevel: consent.opt_in_level ?? null,
    },
  };
  return { emailConsent, events: [event] };
}

const consentTopicSchema = z.looseObject({
  customer_id: shopifyId,
  email_address: optionalText,
  email_marketing_consent: emailConsentSchema,
  updated_at: isoDate.nullish(),
});

export function normalizeEmailConsentUpdate(payload: unknown): NormalizeResult {
  const topic = "customers_email_marketing_consent/update";
  return attempt(topic, () => {
    const p = parsePayload(consentTopicSchema, payload);
    const { emailConsent, events } = consentFacts(p.customer_id, p.email_marketing_consent, p.updated_at);
    return {
      identity: buildIdentity({ shopifyCustomerId: p.customer_id, emails: [p.email_address] }),
      profile: { asOf: emailConsent.at, emailConsent },
      events,
    };
  });
}
