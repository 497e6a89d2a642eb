/** A customers bulk-export JSONL line -> the same facts customers/update would give (via its normaliser). */
import { z } from "zod";
import { customerFacts, customerSchema } from "../events/customers";
import { buildIdentity } from "../events/identity";
import { attempt, isoDate, parsePayload } from "../events/schemas";
import type { NormalizeResult } from "../events/types";
import { gidOf } from "./gid";

const text = z.string().nullish();
const restCustomerSchema = customerSchema.extend({ updated_at: isoDate });

const customerLineSchema = z.looseObject({
  id: gidOf("Customer"),
  email: text,
  phone: text,
  firstName: text,
  lastName: text,
  updatedAt: isoDate,
  emailMarketingConsent: z
    .looseObject({ marketingState: z.string(), marketingOptInLevel: text, consentUpdatedAt: isoDate.nullish() })
    .nullish(),
});

/**
 * Maps one exported customer. GraphQL enums (SUBSCRIBED, SINGLE_OPT_IN) are REST's lower-case values, so the
 * line is restated in the webhook's shape and goes through the webhook's own code: same facts, same sourceIds.
 */
export function normalizeBackfilledCustomer(line: unknown): NormalizeResult {
  return attempt("backfill customers", () => {
    const c = parsePayload(customerLineSchema, line);
    const consent = c.emailMarketingConsent;
    const customer = parsePayload(restCustomerSchema, {
      id: c.id,
      email: c.email ?? null,
      phone: c.phone ?? null,
      first_name: c.firstName ?? null,
      last_name: c.lastName ?? null,
      updated_at: c.updatedAt.toISOString(),
      email_marketing_consent: consent
        ? {
            state: consent.marketingState.toLowerCase(),
            opt_in_level: consent.marketingOptInLevel?.toLowerCase() ?? null,
            consent_updated_at: consent.consentUpdatedAt?.toISOString() ?? null,
          }
        : null,
    });
    const { profile, events } = customerFacts(customer, customer.updated_at);
    return {
      identity: buildIdentity({ shopifyCustomerId: customer.id, emails: [customer.email], phones: [customer.phone] }),
      ...(profile ? { profile } : {}),
      events,
    };
  });
}
