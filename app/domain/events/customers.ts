/** customers/create, customers/update, customers/delete, and the `customer` object embedded in orders and checkouts. */
import { z } from "zod";
import { consentFacts, emailConsentSchema } from "./consent";
import { buildIdentity } from "./identity";
import { attempt, isoDate, optionalText, parsePayload, shopifyId } from "./schemas";
import type { CanonicalEvent, NormalizeResult, ProfileFacts } from "./types";

/** The fields we read from any Shopify customer object (embedded ones have null timestamps in the samples). */
export const customerSchema = z.looseObject({
  id: shopifyId,
  email: optionalText,
  phone: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  updated_at: isoDate.nullish(),
  email_marketing_consent: emailConsentSchema.nullish(),
});
export type ShopifyCustomer = z.output<typeof customerSchema>;

/**
 * Profile facts (names, email consent) a customer object asserts, dated by its updated_at or, for an embedded
 * customer without one, by the enclosing payload's updated_at. No profile when it asserts nothing.
 */
export function customerFacts(
  customer: ShopifyCustomer,
  enclosingUpdatedAt: Date,
): { profile?: ProfileFacts; events: CanonicalEvent[] } {
  const asOf = customer.updated_at ?? enclosingUpdatedAt;
  const consent = customer.email_marketing_consent
    ? consentFacts(customer.id, customer.email_marketing_consent, asOf)
    : undefined;
  if (!customer.first_name && !customer.last_name && !consent) return { events: [] };
  const profile: ProfileFacts = { asOf };
  if (customer.first_name) profile.firstName = customer.first_name.trim();
  if (customer.last_name) profile.lastName = customer.last_name.trim();
  if (consent) profile.emailConsent = consent.emailConsent;
  return { profile, events: consent?.events ?? [] };
}

const customerTopicSchema = customerSchema.extend({ updated_at: isoDate });

export function normalizeCustomer(topic: "customers/create" | "customers/update", payload: unknown): NormalizeResult {
  return attempt(topic, () => {
    const c = parsePayload(customerTopicSchema, payload);
    const { profile, events } = customerFacts(c, c.updated_at);
    return {
      identity: buildIdentity({ shopifyCustomerId: c.id, emails: [c.email], phones: [c.phone] }),
      ...(profile ? { profile } : {}),
      events,
    };
  });
}

const deletedCustomerSchema = z.looseObject({ id: shopifyId });

export function normalizeCustomerDelete(payload: unknown): NormalizeResult {
  return attempt("customers/delete", () => {
    const { id } = parsePayload(deletedCustomerSchema, payload);
    return { identity: { shopifyCustomerId: id }, events: [], deletedCustomerId: id };
  });
}
