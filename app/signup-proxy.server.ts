/**
 * The storefront signup form's endpoints behind Shopify's app proxy (extensions/signup-form): the shopper's
 * browser posts to https://<shop>/apps/shop-flows/signup, Shopify forwards it to /proxy/signup with the shop and a
 * signature in the query. Checked in this order, nothing written until all pass: signature (401), shop (404), body
 * size (413), form shape (400), honeypot (a quiet success), email (422), rate limits (429). See
 * docs/decisions/010-signup-forms.md.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import db from "./db.server";
import { demoClockFromEnv } from "./demo/demo-clock";
import { signupMessage, type SignupMessageCode } from "./domain/signup/messages";
import { checkSignupEmail, formViewSchema, signupFormSchema, type SignupErrorCode } from "./domain/signup/submission";
import { env } from "./env.server";
import { readBodyWithin } from "./http/body.server";
import { clientIp } from "./http/client-ip.server";
import { formFields } from "./http/form-fields.server";
import { findShopByDomainCached, getShopSettings } from "./models/shop.server";
import { acceptSignup, recordFormView } from "./models/signups.server";
import { shopifyApiLibrary } from "./shopify.server";
import { createRateLimiter, type BucketPolicy } from "./services/rate-limit.server";

export const MAX_SIGNUP_BODY_BYTES = 8 * 1024;

// A person signs up once; a household or office behind one address a few times. A script does not get far.
export const SIGNUP_IP_POLICY: BucketPolicy = { capacity: 5, refillPerSecond: 1 / 60 };
// The same address again and again (someone else's, to flood their inbox with confirmations): three, then one an hour.
export const SIGNUP_EMAIL_POLICY: BucketPolicy = { capacity: 3, refillPerSecond: 1 / 3600 };
// A whole shop: a Black Friday popup can convert thousands an hour, a distributed attack is capped here.
export const SIGNUP_SHOP_POLICY: BucketPolicy = { capacity: 600, refillPerSecond: 10 };
// Views are counted once per page view per form.
export const VIEW_IP_POLICY: BucketPolicy = { capacity: 60, refillPerSecond: 1 };

/** One process's buckets; see rate-limit.server.ts for why this is per process. */
export const signupRateLimiter = createRateLimiter();

// The demo replays shop life on a fast clock: signups are dated by it, like every other fact there.
const clock = demoClockFromEnv(env);

type Shop = NonNullable<Awaited<ReturnType<typeof findShopByDomainCached>>>;

function wantsJson(request: Request): boolean {
  return /application\/json/i.test(request.headers.get("Accept") ?? "");
}

/**
 * The answer in the form's language: JSON for the form's script; without JavaScript the browser navigated to the
 * proxy URL, so a Liquid page that Shopify renders inside the shop's theme.
 */
function reply(request: Request, status: number, code: SignupMessageCode, locale: string | undefined, extra: Record<string, string> = {}): Response {
  const message = signupMessage(code, locale);
  const ok = status < 400;
  const headers = new Headers({ "Cache-Control": "no-store", ...extra });
  if (wantsJson(request)) {
    headers.set("Content-Type", "application/json");
    const body = ok ? { ok, status: code, message } : { ok, error: { code, message } };
    return new Response(JSON.stringify(body), { status, headers });
  }
  headers.set("Content-Type", "application/liquid");
  const escaped = message.replace(/[&<>"'{}%]/g, (c) => `&#${c.charCodeAt(0)};`);
  return new Response(`<div class="page-width" style="padding:4rem 0;text-align:center"><p role="status">${escaped}</p><p><a href="{{ routes.root_url }}">{{ 'general.continue_shopping' | t: default: '&larr;' }}</a></p></div>`, { status, headers });
}

/** Shopify's app proxy signature over the query (shop, path_prefix, timestamp, logged_in_customer_id, ...). */
async function signedShopDomain(request: Request): Promise<string | null> {
  const query = new URL(request.url).searchParams;
  try {
    // The Shopify library's own check (what authenticate.public.appProxy runs), without loading the shop's
    // offline session, which a signup never needs: the signature also rejects a timestamp over 90 s old.
    const valid = await shopifyApiLibrary.utils.validateHmac(query, { signator: "appProxy" });
    return valid ? query.get("shop") : null;
  } catch {
    return null; // no signature, a repeated parameter, an old timestamp
  }
}

type Verified = { ok: true; shop: Shop; fields: { get(name: string): string | null }; locale: string | undefined } | { ok: false; response: Response };

/** Signature, shop and body: what both endpoints check before reading a single field. */
async function verifiedRequest(request: Request): Promise<Verified> {
  const queryLocale = new URL(request.url).searchParams.get("locale") ?? undefined;
  if (request.method !== "POST") return { ok: false, response: reply(request, 405, "invalid_form", queryLocale, { Allow: "POST" }) };
  const domain = await signedShopDomain(request);
  if (!domain) {
    console.warn("signup proxy: refused a request without a valid app proxy signature");
    return { ok: false, response: reply(request, 401, "invalid_form", queryLocale) };
  }
  const shop = await findShopByDomainCached(db, domain);
  if (!shop || shop.uninstalledAt) return { ok: false, response: reply(request, 404, "unknown_shop", queryLocale) };
  const body = await readBodyWithin(request, MAX_SIGNUP_BODY_BYTES);
  if (body === null) return { ok: false, response: reply(request, 413, "too_large", queryLocale) };
  const fields = await formFields(request, body);
  if (!fields) return { ok: false, response: reply(request, 400, "invalid_form", queryLocale) };
  return { ok: true, shop, fields, locale: fields.get("locale") ?? queryLocale };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(form)"}: ${issue.message}`).join("; ");
}

function fieldsOf(fields: { get(name: string): string | null }, names: readonly string[]) {
  return Object.fromEntries(names.map((name) => [name, fields.get(name) ?? undefined]));
}

const SIGNUP_FIELDS = Object.keys(signupFormSchema.shape);

/** Remix hands GET to the loader: nothing to show there. */
export const signupProxyLoader = ({ request }: LoaderFunctionArgs) => reply(request, 405, "invalid_form", undefined, { Allow: "POST" });

export async function submitSignup({ request, context }: ActionFunctionArgs): Promise<Response> {
  const verified = await verifiedRequest(request);
  if (!verified.ok) return verified.response;
  const { shop, fields } = verified;
  const parsed = signupFormSchema.safeParse(fieldsOf(fields, SIGNUP_FIELDS));
  if (!parsed.success) {
    console.warn(`signup proxy: ${shop.domain}: malformed form: ${describeIssues(parsed.error)}`);
    return reply(request, 400, "invalid_form", verified.locale);
  }
  const form = parsed.data;
  const locale = form.locale ?? verified.locale;
  // A bot filled the field people cannot see: it is told it worked, and nothing is stored.
  if (form.website) return reply(request, 200, "subscribed", locale);
  const email = checkSignupEmail(form.email);
  if (!email.ok) return reply(request, 422, email.code satisfies SignupErrorCode, locale);

  const ip = clientIp(request, context);
  const limited = signupRateLimiter.take([
    ...(ip ? [{ key: `signup:${shop.id}:ip:${ip}`, policy: SIGNUP_IP_POLICY }] : []),
    { key: `signup:${shop.id}:email:${email.email}`, policy: SIGNUP_EMAIL_POLICY },
    { key: `signup:${shop.id}`, policy: SIGNUP_SHOP_POLICY },
  ]);
  if (!limited.ok) return reply(request, 429, "rate_limited", locale, { "Retry-After": String(limited.retryAfterSeconds) });

  const settings = await getShopSettings(db, shop.id);
  const outcome = await acceptSignup(
    db,
    shop,
    {
      email: email.email,
      firstName: form.first_name ?? null,
      form: { formKey: form.form_id, name: form.form_name ?? null, kind: form.form_kind },
      locale: locale ?? "en",
      doubleOptIn: form.double_opt_in,
      submissionId: form.submission_id ?? null,
      now: clock.now(),
    },
    settings.requireDoubleOptIn,
    settings.signupConfirmHours,
  );
  return reply(request, outcome.outcome === "confirm_sent" ? 202 : 200, outcome.outcome, locale);
}

const VIEW_FIELDS = Object.keys(formViewSchema.shape);

/** The form was shown: one view on its day's counter. */
export async function recordSignupFormView({ request, context }: ActionFunctionArgs): Promise<Response> {
  const verified = await verifiedRequest(request);
  if (!verified.ok) return verified.response;
  const parsed = formViewSchema.safeParse(fieldsOf(verified.fields, VIEW_FIELDS));
  if (!parsed.success) return reply(request, 400, "invalid_form", verified.locale);
  const ip = clientIp(request, context);
  if (ip && !signupRateLimiter.take([{ key: `view:${verified.shop.id}:ip:${ip}`, policy: VIEW_IP_POLICY }]).ok) {
    return new Response(null, { status: 429, headers: { "Retry-After": "1" } });
  }
  const view = parsed.data;
  await recordFormView(db, verified.shop, { formKey: view.form_id, name: view.form_name ?? null, kind: view.form_kind }, clock.now());
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}
