// Per-recipient discount codes in the shop, created lazily at send time (issue 5). Idempotent by code: the code
// is derived from the message (app/domain/email/discount-code.ts), so a retried send finds the discount it
// created before, and two senders racing on one code end up with the one discount Shopify accepted.
import { z } from "zod";
import type { AdminGraphql } from "./shopify-admin.server";

export type DiscountKind = "percentage" | "fixed_amount";

export type EnsureDiscountInput = {
  code: string;
  title: string;
  kind: DiscountKind;
  /** percentage: 10 means 10 % off (sent to Shopify as 0.1); fixed_amount: 5 means 5.00 in the shop's currency. */
  value: number;
  startsAt: Date;
  endsAt: Date;
  /** Limits the code to this Shopify customer: numeric id ("7412…") or gid ("gid://shopify/Customer/7412…"). */
  customerId?: string | null;
};

export type EnsureDiscountResult =
  /** endsAt: the discount's real expiry (an existing code keeps the one it was created with), null if none. */
  | { ok: true; code: string; discountId: string; created: boolean; endsAt: Date | null }
  | { ok: false; error: string; retryable: boolean };

const LOOKUP = `query DiscountCodeByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount { ... on DiscountCodeBasic { endsAt } }
  }
}`;

const CREATE = `mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}`;

const lookupSchema = z.object({
  codeDiscountNodeByCode: z
    .object({ id: z.string().min(1), codeDiscount: z.object({ endsAt: z.iso.datetime({ offset: true }).nullish() }).nullish() })
    .nullable(),
});
type Found = { id: string; endsAt: Date | null };
const userErrorSchema = z.object({ field: z.array(z.string()).nullish(), code: z.string().nullish(), message: z.string() });
const createSchema = z.object({
  discountCodeBasicCreate: z.object({
    codeDiscountNode: z.object({ id: z.string().min(1) }).nullish(),
    userErrors: z.array(userErrorSchema),
  }),
});

/** Shopify's limit on a code; codes are case-insensitive there, and ours are upper-case already. */
const MAX_CODE_LENGTH = 255;

/** A Shopify customer id as a Customer gid, or null when it is neither a numeric id nor such a gid. */
export function customerGid(id: string): string | null {
  if (/^\d{1,20}$/.test(id)) return `gid://shopify/Customer/${id}`;
  return /^gid:\/\/shopify\/Customer\/\d{1,20}$/.test(id) ? id : null;
}

/**
 * The value part of DiscountCodeBasicInput.customerGets. Shopify takes a percentage as a fraction (0.1 for 10 %),
 * rounded here to six places so that 12.5 % is 0.125 and not a float artefact.
 */
export function discountValueInput(kind: DiscountKind, value: number): Record<string, unknown> {
  if (kind === "percentage") return { percentage: Number((value / 100).toFixed(6)) };
  return { discountAmount: { amount: String(Number(value.toFixed(6))), appliesOnEachItem: false } };
}

/** Why the input cannot become a discount, or null. */
function invalidInput(input: EnsureDiscountInput): string | null {
  if (!input.code || input.code.length > MAX_CODE_LENGTH || /\s/.test(input.code)) return "code must be 1-255 characters without spaces";
  if (!input.title.trim()) return "title is empty";
  if (!Number.isFinite(input.value) || input.value <= 0) return "value must be positive";
  if (input.kind === "percentage" && input.value > 100) return "a percentage cannot exceed 100";
  if (Number.isNaN(input.startsAt.getTime()) || Number.isNaN(input.endsAt.getTime())) return "invalid dates";
  if (input.endsAt.getTime() <= input.startsAt.getTime()) return "endsAt must be after startsAt";
  if (input.customerId && !customerGid(input.customerId)) return `not a Shopify customer id: ${JSON.stringify(input.customerId)}`;
  return null;
}

/** The DiscountCodeBasicInput for a one-use code: all items, this customer only when given, expiring at endsAt. */
export function basicCodeDiscountInput(input: EnsureDiscountInput): Record<string, unknown> {
  const customer = input.customerId ? customerGid(input.customerId) : null;
  return {
    title: input.title.slice(0, 255),
    code: input.code,
    startsAt: input.startsAt.toISOString(),
    endsAt: input.endsAt.toISOString(),
    usageLimit: 1,
    appliesOncePerCustomer: true,
    // `context` replaced the deprecated `customerSelection` (2025-01 onwards).
    context: customer ? { customers: { add: [customer] } } : { all: "ALL" },
    customerGets: { value: discountValueInput(input.kind, input.value), items: { all: true } },
    // Free-shipping offers still apply; stacking with other product or order discounts is the merchant's call, off here.
    combinesWith: { productDiscounts: false, orderDiscounts: false, shippingDiscounts: true },
  };
}

async function lookUp(admin: AdminGraphql, code: string): Promise<{ ok: true; found: Found | null } | { ok: false; error: string; retryable: boolean }> {
  const result = await admin.request(LOOKUP, { code });
  if (!result.ok) return result;
  const parsed = lookupSchema.safeParse(result.data);
  if (!parsed.success) return { ok: false, error: `codeDiscountNodeByCode: unexpected response: ${z.prettifyError(parsed.error)}`, retryable: true };
  const node = parsed.data.codeDiscountNodeByCode;
  const endsAt = node?.codeDiscount?.endsAt;
  return { ok: true, found: node ? { id: node.id, endsAt: endsAt ? new Date(endsAt) : null } : null };
}

/** A userError saying the code exists already: someone (a concurrent send of the same message) created it first. */
function isCodeTaken(error: z.output<typeof userErrorSchema>): boolean {
  const onCode = !error.field || error.field.at(-1) === "code";
  return onCode && (error.code === "TAKEN" || /must be unique|already (been )?taken|already exists/i.test(error.message));
}

/**
 * The shop's discount with this code, created when it does not exist yet: one use, once per customer, all items,
 * expiring at endsAt, limited to the customer when an id is given. Safe to call again and concurrently.
 */
export async function ensureDiscountCode(admin: AdminGraphql, input: EnsureDiscountInput): Promise<EnsureDiscountResult> {
  const invalid = invalidInput(input);
  if (invalid) return { ok: false, error: `discount input: ${invalid}`, retryable: false };

  const existing = await lookUp(admin, input.code);
  if (!existing.ok) return existing;
  if (existing.found) return { ok: true, code: input.code, discountId: existing.found.id, created: false, endsAt: existing.found.endsAt };

  const result = await admin.request(CREATE, { basicCodeDiscount: basicCodeDiscountInput(input) });
  if (!result.ok) return result;
  const parsed = createSchema.safeParse(result.data);
  if (!parsed.success) return { ok: false, error: `discountCodeBasicCreate: unexpected response: ${z.prettifyError(parsed.error)}`, retryable: true };
  const { codeDiscountNode, userErrors } = parsed.data.discountCodeBasicCreate;
  if (userErrors.length === 0 && codeDiscountNode) return { ok: true, code: input.code, discountId: codeDiscountNode.id, created: true, endsAt: input.endsAt };

  if (userErrors.length > 0 && userErrors.every(isCodeTaken)) {
    const raced = await lookUp(admin, input.code);
    if (!raced.ok) return raced;
    if (raced.found) return { ok: true, code: input.code, discountId: raced.found.id, created: false, endsAt: raced.found.endsAt };
    // Taken, yet not found: another kind of discount or a deletion in flight; a later attempt will tell.
    return { ok: false, error: `discountCodeBasicCreate: code ${input.code} is taken but cannot be found`, retryable: true };
  }
  if (userErrors.length === 0) return { ok: false, error: "discountCodeBasicCreate: no discount and no userErrors", retryable: true };
  const described = userErrors.map((e) => `${e.field?.join(".") ?? "(input)"}: ${e.message}${e.code ? ` [${e.code}]` : ""}`).join("; ");
  // Shopify's own hiccup is worth another try; anything else about the input will fail the same way again.
  return { ok: false, error: `discountCodeBasicCreate: ${described}`, retryable: userErrors.some((e) => e.code === "INTERNAL_ERROR") };
}
