// Email marketing consent written to Shopify (issue 5): an unsubscribe or resubscribe in our app updates the
// Shopify customer, and a signup form creates the customer as subscribed. Shopify's current consent is read first
// so that a late write (a retried task) never overwrites a newer decision the person made elsewhere.
import { z } from "zod";
import { customerGid } from "./discounts.server";
import type { AdminGraphql } from "./shopify-admin.server";

export type ConsentState = "subscribed" | "unsubscribed";
export type ConsentDetail = "updated" | "unchanged" | "newer_in_shopify" | "no_customer" | "created";
export type ConsentResult =
  | { ok: true; detail: ConsentDetail; /** Numeric Shopify customer id, when there is a customer. */ customerId: string | null }
  | { ok: false; error: string; retryable: boolean };

// defaultEmailAddress replaced Customer.email and Customer.emailMarketingConsent (deprecated since 2025-04).
const CUSTOMER_FIELDS = "id defaultEmailAddress { emailAddress marketingState marketingUpdatedAt }";
const BY_ID = `query ConsentCustomerById($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`;
const BY_EMAIL = `query ConsentCustomerByEmail($identifier: CustomerIdentifierInput!) {
  customerByIdentifier(identifier: $identifier) { ${CUSTOMER_FIELDS} }
}`;
const UPDATE = `mutation ConsentUpdate($input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) { customer { id } userErrors { field code message } }
}`;
const CREATE = `mutation SubscribedCustomerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } }
}`;

const customerSchema = z.object({
  id: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/),
  defaultEmailAddress: z
    .object({ emailAddress: z.string().nullish(), marketingState: z.string().nullish(), marketingUpdatedAt: z.string().nullish() })
    .nullish(),
});
type ShopifyCustomer = z.output<typeof customerSchema>;
const userErrorsSchema = z.array(z.object({ field: z.array(z.string()).nullish(), code: z.string().nullish(), message: z.string() }));
const mutationSchema = (field: string) =>
  z.object({ [field]: z.object({ customer: z.object({ id: z.string() }).nullish(), userErrors: userErrorsSchema }) });

type Failure = { ok: false; error: string; retryable: boolean };
type Found = { ok: true; customer: ShopifyCustomer | null } | Failure;

const numericId = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);
const sameEmail = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();
const describeErrors = (errors: z.output<typeof userErrorsSchema>) => errors.map((e) => `${e.field?.join(".") ?? "(input)"}: ${e.message}`).join("; ");

async function findCustomer(admin: AdminGraphql, query: string, variables: Record<string, unknown>, field: string): Promise<Found> {
  const result = await admin.request(query, variables);
  if (!result.ok) return result;
  const parsed = z.object({ [field]: customerSchema.nullable() }).safeParse(result.data);
  if (!parsed.success) return { ok: false, error: `${field}: unexpected response: ${z.prettifyError(parsed.error)}`, retryable: true };
  return { ok: true, customer: parsed.data[field] ?? null };
}

function findByEmail(admin: AdminGraphql, email: string): Promise<Found> {
  return findCustomer(admin, BY_EMAIL, { identifier: { emailAddress: email.trim() } }, "customerByIdentifier");
}

/**
 * The customer whose consent this is: by id when we know it, unless that customer now has another address (the
 * consent belongs to the address), else by email.
 */
async function resolveCustomer(admin: AdminGraphql, input: { shopifyCustomerId?: string | null; email: string | null }): Promise<Found> {
  const gid = input.shopifyCustomerId ? customerGid(input.shopifyCustomerId) : null;
  if (gid) {
    const byId = await findCustomer(admin, BY_ID, { id: gid }, "customer");
    if (!byId.ok) return byId;
    const address = byId.customer?.defaultEmailAddress?.emailAddress;
    if (byId.customer && (!input.email || !address || sameEmail(address, input.email))) return byId;
  }
  return input.email ? findByEmail(admin, input.email) : { ok: true, customer: null };
}

/** Writes the consent to one known customer, unless Shopify holds the same state or a newer decision. */
export type OptIn = "single" | "confirmed";
const OPT_IN_LEVEL: Record<OptIn, string> = { single: "SINGLE_OPT_IN", confirmed: "CONFIRMED_OPT_IN" };

async function writeConsent(admin: AdminGraphql, customer: ShopifyCustomer, state: ConsentState, at: Date, optIn: OptIn = "single"): Promise<ConsentResult> {
  const customerId = numericId(customer.id);
  const current = customer.defaultEmailAddress;
  const updatedAt = current?.marketingUpdatedAt ? Date.parse(current.marketingUpdatedAt) : Number.NaN;
  if (!Number.isNaN(updatedAt) && updatedAt > at.getTime()) return { ok: true, detail: "newer_in_shopify", customerId };
  const target = state === "subscribed" ? "SUBSCRIBED" : "UNSUBSCRIBED";
  if (current?.marketingState === target) return { ok: true, detail: "unchanged", customerId };

  const emailMarketingConsent = {
    marketingState: target,
    consentUpdatedAt: at.toISOString(),
    // The opt-in level describes how a subscription was given; an unsubscribe has none.
    ...(state === "subscribed" ? { marketingOptInLevel: OPT_IN_LEVEL[optIn] } : {}),
  };
  const result = await admin.request(UPDATE, { input: { customerId: customer.id, emailMarketingConsent } });
  if (!result.ok) return result;
  const parsed = mutationSchema("customerEmailMarketingConsentUpdate").safeParse(result.data);
  if (!parsed.success) return { ok: false, error: `customerEmailMarketingConsentUpdate: unexpected response: ${z.prettifyError(parsed.error)}`, retryable: true };
  const { userErrors } = parsed.data.customerEmailMarketingConsentUpdate;
  if (userErrors.length === 0) return { ok: true, detail: "updated", customerId };
  // Deleted between our read and this write: nobody left to update.
  if (userErrors.some((e) => /not found|does not exist/i.test(e.message))) return { ok: true, detail: "no_customer", customerId: null };
  return {
    ok: false,
    error: `customerEmailMarketingConsentUpdate: ${describeErrors(userErrors)}`,
    retryable: userErrors.some((e) => e.code === "INTERNAL_ERROR"),
  };
}

/**
 * Sets the Shopify customer's email marketing consent to `state` as of `at`, finding the customer by email when
 * no id is known. No customer in Shopify -> ok with detail "no_customer"; a newer consent there is left alone.
 */
export async function updateEmailMarketingConsent(
  admin: AdminGraphql,
  input: { shopifyCustomerId?: string | null; email: string | null; state: ConsentState; at: Date },
): Promise<ConsentResult> {
  if (Number.isNaN(input.at.getTime())) return { ok: false, error: "consent: invalid date", retryable: false };
  const found = await resolveCustomer(admin, input);
  if (!found.ok) return found;
  if (!found.customer) return { ok: true, detail: "no_customer", customerId: null };
  return writeConsent(admin, found.customer, input.state, input.at);
}

/**
 * A signup: creates the customer as subscribed (single or confirmed opt-in) as of `at`, or, when the email belongs
 * to a customer already, subscribes that customer. detail "created" or the consent update's outcome.
 */
export async function upsertSubscribedCustomer(
  admin: AdminGraphql,
  input: { email: string; firstName?: string | null; lastName?: string | null; at: Date; optIn?: OptIn },
): Promise<ConsentResult> {
  const optIn = input.optIn ?? "single";
  const email = input.email.trim();
  if (!email || !email.includes("@")) return { ok: false, error: "customer: invalid email", retryable: false };
  if (Number.isNaN(input.at.getTime())) return { ok: false, error: "consent: invalid date", retryable: false };

  const existing = await findByEmail(admin, email);
  if (!existing.ok) return existing;
  if (existing.customer) return writeConsent(admin, existing.customer, "subscribed", input.at, optIn);

  const customerInput = {
    email,
    ...(input.firstName ? { firstName: input.firstName } : {}),
    ...(input.lastName ? { lastName: input.lastName } : {}),
    emailMarketingConsent: { marketingState: "SUBSCRIBED", marketingOptInLevel: OPT_IN_LEVEL[optIn], consentUpdatedAt: input.at.toISOString() },
  };
  const result = await admin.request(CREATE, { input: customerInput });
  if (!result.ok) return result;
  const parsed = mutationSchema("customerCreate").safeParse(result.data);
  if (!parsed.success) return { ok: false, error: `customerCreate: unexpected response: ${z.prettifyError(parsed.error)}`, retryable: true };
  const { customer, userErrors } = parsed.data.customerCreate;
  if (userErrors.length === 0 && customer) return { ok: true, detail: "created", customerId: numericId(customer.id) };
  if (userErrors.some((e) => e.field?.at(-1) === "email" && /taken/i.test(e.message))) {
    // Created meanwhile (a checkout, a second submit): subscribe that customer instead.
    const raced = await findByEmail(admin, email);
    if (!raced.ok) return raced;
    if (raced.customer) return writeConsent(admin, raced.customer, "subscribed", input.at, optIn);
    return { ok: false, error: `customerCreate: ${email} is taken but cannot be found`, retryable: true };
  }
  return { ok: false, error: `customerCreate: ${describeErrors(userErrors) || "no customer and no userErrors"}`, retryable: false };
}
