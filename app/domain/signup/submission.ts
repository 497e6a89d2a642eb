/**
 * Storefront signup forms (extensions/signup-form): what a submission may contain, why one is refused, and the
 * canonical facts an accepted (and, with double opt-in, confirmed) signup becomes. Pure: the route validates with
 * this, the worker normalises the stored payload with it.
 */
import { z } from "zod";
import { normalizeEmail } from "../events/identity";
import type { CanonicalEvent, NormalizeResult } from "../events/types";

/** RFC 5321 caps a path at 256 octets including the angle brackets: 254 for the address itself. */
export const MAX_EMAIL_LENGTH = 254;

export const SIGNUP_ERROR_CODES = [
  "missing_email",
  "invalid_email",
  "email_too_long",
  "fake_email",
  "invalid_form",
  "too_large",
  "rate_limited",
  "unknown_shop",
  "server_error",
] as const;
export type SignupErrorCode = (typeof SIGNUP_ERROR_CODES)[number];

// Throwaway inboxes and the placeholders people type to get past a form: a welcome discount sent there is wasted.
const THROWAWAY_DOMAINS = new Set([
  "mailinator.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com", "10minutemail.com", "yopmail.com",
  "trashmail.com", "tempmail.com", "temp-mail.org", "dispostable.com", "getnada.com", "maildrop.cc", "throwawaymail.com",
  "example.com", "example.org", "example.net", "test.com", "invalid", "localhost",
]);
const PLACEHOLDER_LOCAL_PARTS = new Set(["test", "asdf", "qwerty", "noemail", "no-email", "none", "nobody", "fake", "xxx"]);

/** Syntax a mail server would accept and a person could own: one @, a dotted domain, no spaces or brackets. */
const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

export type EmailCheck = { ok: true; email: string } | { ok: false; code: Extract<SignupErrorCode, "missing_email" | "invalid_email" | "email_too_long" | "fake_email"> };

/** The address normalised (trimmed, lower-case), or why it cannot be a subscriber's. */
export function checkSignupEmail(raw: string | null | undefined): EmailCheck {
  const email = normalizeEmail(raw);
  if (!email) return { ok: false, code: "missing_email" };
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, code: "email_too_long" };
  if (!ADDRESS.test(email) || email.includes("..")) return { ok: false, code: "invalid_email" };
  const [local, domain] = email.split("@") as [string, string];
  const registered = domain.split(".").slice(-2).join(".");
  if (THROWAWAY_DOMAINS.has(domain) || THROWAWAY_DOMAINS.has(registered) || THROWAWAY_DOMAINS.has(domain.split(".").at(-1)!)) {
    return { ok: false, code: "fake_email" };
  }
  if (PLACEHOLDER_LOCAL_PARTS.has(local) && /^(test|example|fake|asdf)\./.test(domain)) return { ok: false, code: "fake_email" };
  return { ok: true, email };
}

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalText = (max: number) => z.preprocess(blankToUndefined, z.string().trim().max(max).optional());

/** The form's fields as the storefront posts them (form-encoded; names as in the block's markup). */
export const signupFormSchema = z.object({
  email: z.string().max(1000).optional(),
  first_name: optionalText(100),
  // The theme block's id: letters, digits, "_" and "-" (Shopify's block ids look like "AbC123-xyz" or "signup_popup_abc").
  form_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "form_id must be a theme block id"),
  form_name: optionalText(100),
  form_kind: z.enum(["inline", "popup"]).default("inline"),
  double_opt_in: z.preprocess(blankToUndefined, z.enum(["0", "1", "true", "false"]).optional()).transform((v) => v === "1" || v === "true"),
  locale: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/).max(35).optional()),
  // The honeypot: hidden from people, filled in by bots.
  website: z.string().max(1000).optional(),
  // Generated once per submit by the form's script; a network retry of the same submit carries the same id.
  submission_id: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9-]{8,64}$/).optional()),
});
export type SignupFormInput = z.output<typeof signupFormSchema>;

/** A view beacon: the form was shown to someone. */
export const formViewSchema = signupFormSchema.pick({ form_id: true, form_name: true, form_kind: true });

/** The inbox payload of an accepted signup (single opt-in at submission, double opt-in at confirmation). */
export const storedSignupSchema = z.object({
  email: z.string().min(3).max(MAX_EMAIL_LENGTH),
  firstName: z.string().max(100).nullish(),
  formKey: z.string().min(1).max(64),
  formName: z.string().max(100).nullish(),
  optIn: z.enum(["single", "confirmed"]),
  at: z.iso.datetime(),
  /** The PendingSignup confirmed (double opt-in), or the submission id (single opt-in). */
  reference: z.string().min(1).max(100),
});
export type StoredSignup = z.output<typeof storedSignupSchema>;

export const SIGNUP_CONSENT_SOURCE = "signup form";

/**
 * The accepted signup as canonical facts: consent "subscribed" as of the signup (or the confirmation click) and
 * `Subscribed to Email` with the form. The event's sourceId is the reference, so a replay is one event.
 */
export function normalizeSignup(payload: unknown): NormalizeResult {
  let raw: unknown = payload;
  if (typeof payload === "string") {
    try {
      raw = JSON.parse(payload);
    } catch {
      return { ok: false, error: "signup payload is not JSON" };
    }
  }
  const parsed = storedSignupSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: `signup payload: ${z.prettifyError(parsed.error)}` };
  const signup = parsed.data;
  const email = checkSignupEmail(signup.email);
  if (!email.ok) return { ok: false, error: `signup payload: ${email.code}` };
  const at = new Date(signup.at);
  const event: CanonicalEvent = {
    name: "Subscribed to Email",
    occurredAt: at,
    sourceId: `signup:${signup.reference}`,
    properties: {
      state: "subscribed",
      source: SIGNUP_CONSENT_SOURCE,
      formId: signup.formKey,
      formName: signup.formName ?? null,
      optInLevel: signup.optIn === "confirmed" ? "confirmed_opt_in" : "single_opt_in",
    },
  };
  return {
    ok: true,
    value: {
      // The email alone: the consent belongs to the address typed in, whoever is signed in to the storefront.
      identity: { email: email.email },
      profile: {
        asOf: at,
        ...(signup.firstName ? { firstName: signup.firstName } : {}),
        emailConsent: { state: "subscribed", at, source: SIGNUP_CONSENT_SOURCE },
      },
      events: [event],
    },
  };
}
