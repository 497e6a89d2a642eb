import type { IdentityHints } from "./types";

/** Trimmed and lower-cased; blank means absent. */
export function normalizeEmail(email: string | null | undefined): string | undefined {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : undefined;
}

/** "+1 (555) 010-9999" -> "+15550109999"; without a leading + the number is kept as given (trimmed). */
export function normalizePhone(phone: string | null | undefined): string | undefined {
  const trimmed = phone?.trim();
  if (!trimmed) return undefined;
  if (!trimmed.startsWith("+")) return trimmed;
  const digits = trimmed.slice(1).replace(/\D/g, "");
  return digits ? `+${digits}` : undefined;
}

type IdentityInput = {
  shopifyCustomerId?: string | null;
  /** Candidates in priority order; the first non-blank one wins. */
  emails?: Array<string | null | undefined>;
  phones?: Array<string | null | undefined>;
  checkoutToken?: string | null;
};

/** Identity hints with absent keys omitted: no undefined values, no empty strings. */
export function buildIdentity(input: IdentityInput): IdentityHints {
  const identity: IdentityHints = {};
  if (input.shopifyCustomerId) identity.shopifyCustomerId = input.shopifyCustomerId;
  const email = (input.emails ?? []).map(normalizeEmail).find((e) => e !== undefined);
  if (email) identity.email = email;
  const phone = (input.phones ?? []).map(normalizePhone).find((p) => p !== undefined);
  if (phone) identity.phone = phone;
  const token = input.checkoutToken?.trim();
  if (token) identity.checkoutToken = token;
  return identity;
}
