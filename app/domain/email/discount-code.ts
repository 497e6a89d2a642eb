// Per-recipient discount codes: derived from the message id with a keyed hash, so a send retried after a crash
// asks Shopify for the same code (and finds it) instead of creating a second discount, and nobody without the
// secret can predict another recipient's code.
import { createHmac } from "node:crypto";
import { currencyFractionDigits, formatMoney, toMinorUnits } from "../money";

/** 32 symbols (5 bits each) without the look-alikes 0/O and 1/I, so a code read aloud or retyped still works. */
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/** 10 symbols = 50 bits: a guess hits one of a million live codes about once in a billion tries. */
const RANDOM_LENGTH = 10;
const MAX_PREFIX_LENGTH = 20;
/** Shopify's limit for a discount code and for a discount's title. */
export const MAX_CODE_LENGTH = 255;
export const MAX_TITLE_LENGTH = 255;

/** "abandoned_checkout" -> "ABANDONEDCHECKOUT": A-Z and 0-9 only, at most 20 characters. */
export function sanitizeCodePrefix(prefix: string | null | undefined): string {
  return (prefix ?? "")
    .normalize("NFKD")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, MAX_PREFIX_LENGTH);
}

/**
 * The recipient's code for one message, e.g. `THANKS-7KQ2M9XDRT`: the same for the same (secret, message), and
 * without a prefix when the sanitised prefix is empty.
 */
export function discountCodeFor(input: { secret: string; messageId: string; prefix?: string | null }): string {
  if (!input.secret) throw new Error("discountCodeFor: a secret is required");
  if (!input.messageId) throw new Error("discountCodeFor: a message id is required");
  const digest = createHmac("sha256", input.secret).update(`discount-code:v1:${input.messageId}`).digest();
  let random = "";
  // The first 50 bits of the digest, 5 at a time; 32 symbols means every symbol is equally likely.
  let bits = 0;
  let buffer = 0;
  for (const byte of digest) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && random.length < RANDOM_LENGTH) {
      bits -= 5;
      random += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
    if (random.length === RANDOM_LENGTH) break;
  }
  const prefix = sanitizeCodePrefix(input.prefix);
  return prefix ? `${prefix}-${random}` : random;
}

/** True for a code this module could have produced (any prefix): used to refuse anything else early. */
export function isWellFormedCode(code: string): boolean {
  return new RegExp(`^(?:[A-Z0-9]{1,${MAX_PREFIX_LENGTH}}-)?[${ALPHABET}]{${RANDOM_LENGTH}}$`).test(code);
}

/** The discount's title in the Shopify admin, e.g. "Abandoned checkout: 10% off (THANKS-7KQ2M9XDRT)". */
export function discountTitle(input: { name: string; description?: string | null; code: string }): string {
  const name = input.name.replace(/\s+/g, " ").trim() || "Email discount";
  const label = input.description ? `${name}: ${input.description}` : name;
  const suffix = ` (${input.code})`;
  // The code is what a merchant searches for, so the name is shortened rather than the code.
  const room = Math.max(0, MAX_TITLE_LENGTH - suffix.length);
  const shortened = label.length > room ? `${label.slice(0, Math.max(0, room - 1)).trimEnd()}…` : label;
  return `${shortened}${suffix}`.slice(0, MAX_TITLE_LENGTH);
}

/**
 * What the email says the code is worth: "10% off", "12.5% off", "€5.00 off". A fixed amount is in the shop's
 * currency, in major units (5 = €5.00).
 */
export function describeDiscount(input: { kind: "percentage" | "fixed_amount"; value: number; currency: string; locale?: string }): string {
  if (input.kind === "percentage") {
    // At most two decimals, without trailing zeros: 10 -> "10", 12.5 -> "12.5".
    return `${Number(input.value.toFixed(2)).toString()}% off`;
  }
  try {
    const minor = toMinorUnits(input.value.toFixed(currencyFractionDigits(input.currency)), input.currency);
    return `${formatMoney(minor, input.currency, input.locale)} off`;
  } catch {
    // An unknown currency code: still say something true rather than fail the email.
    return `${input.value} ${input.currency} off`;
  }
}

/**
 * The codes of an order that could be our per-recipient codes: trimmed, upper-cased (Shopify matches codes
 * case-insensitively, so a shopper may type them in any case), well formed, each once. Anything else is ignored.
 */
export function ourCodesIn(codes: unknown): string[] {
  if (!Array.isArray(codes)) return [];
  const found = new Set<string>();
  for (const code of codes) {
    if (typeof code !== "string" || code.length > MAX_CODE_LENGTH) continue;
    const normalised = code.trim().toUpperCase();
    if (isWellFormedCode(normalised)) found.add(normalised);
  }
  return [...found];
}
