// /u/<token>: the unsubscribe and preference page every email links to, and the RFC 8058 one-click endpoint its
// List-Unsubscribe header names. The signed token (app/domain/email/tracking-token.ts) is the only credential: no
// login, no CSRF token, so a mailbox provider's one-click POST works on the first request. GET never changes
// anything (link scanners fetch every URL). The page is standalone HTML: no scripts, no external requests.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { verifyUnsubscribeToken, type UnsubscribeClaims } from "../domain/email/tracking-token";
import { env } from "../env.server";
import { readBodyWithin } from "../http/body.server";
import { formFields } from "../http/form-fields.server";
import { escapeHtml, standalonePage as page } from "../http/standalone-page.server";
import { loadPreferences, resubscribeProfile, unsubscribeProfile, type PreferencePageData } from "../models/email-engagement.server";

/** A one-click body is 26 bytes and the page's form about as small. */
export const MAX_PREFERENCE_BODY_BYTES = 8 * 1024;

/** "a***@example.com": enough for the person to recognise the address, less for whoever a forwarded email reaches. */
function maskEmail(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf("@");
  return at <= 0 ? "***" : `${email[0]}***${email.slice(at)}`;
}

function problem(status: 400 | 404 | 405 | 413, message: string): Response {
  return page(status, "Email preferences", `<h1>Email preferences</h1>\n<p>${escapeHtml(message)}</p>`);
}

const INVALID_LINK = "This link is not valid. Please use the link exactly as it appears in the email.";
const UNKNOWN_PROFILE = "We could not find these email preferences. The link may belong to a shop that no longer uses it.";

function preferencePage(data: PreferencePageData, confirmation: string | null): Response {
  const shop = escapeHtml(data.shopName);
  const email = maskEmail(data.email);
  const subscribed = data.consent === "subscribed";
  const form = subscribed
    ? `<button type="submit" name="action" value="unsubscribe">Unsubscribe from marketing emails</button>`
    : `<button type="submit" name="action" value="resubscribe">Subscribe again</button>`;
  const content = `<h1>Email preferences</h1>
${confirmation ? `<p class="status" role="status">${escapeHtml(confirmation)}</p>\n` : ""}<p>Marketing emails from <strong>${shop}</strong>${email ? ` to <strong>${escapeHtml(email)}</strong>` : ""}.</p>
<p>${subscribed ? "You are subscribed." : "You are not subscribed: you will not receive marketing emails from us."}</p>
<form method="post">
${form}
</form>
<p class="small">Order confirmations and shipping updates are not marketing emails and still reach you.</p>`;
  return page(200, `Email preferences – ${data.shopName}`, content);
}

function claimsOf(params: LoaderFunctionArgs["params"]): UnsubscribeClaims | null {
  const check = verifyUnsubscribeToken(params.token ?? "", env.SESSION_SECRET);
  return check.ok ? check.claims : null;
}

export async function loader({ params }: LoaderFunctionArgs): Promise<Response> {
  const claims = claimsOf(params);
  if (!claims) return problem(400, INVALID_LINK);
  const data = await loadPreferences(db, claims.shopId, claims.profileId);
  return data ? preferencePage(data, null) : problem(404, UNKNOWN_PROFILE);
}

export async function action({ request, params }: ActionFunctionArgs): Promise<Response> {
  if (request.method !== "POST") return problem(405, "Only POST changes email preferences.");
  const body = await readBodyWithin(request, MAX_PREFERENCE_BODY_BYTES);
  if (body === null) return problem(413, "The request was too large.");
  const claims = claimsOf(params);
  if (!claims) return problem(400, INVALID_LINK);
  const fields = await formFields(request, body);
  if (!fields) return problem(400, "The request could not be read.");

  const input = { shopId: claims.shopId, profileId: claims.profileId, messageId: claims.messageId, now: new Date() };
  if (fields.get("List-Unsubscribe") === "One-Click") {
    // RFC 8058: a mailbox provider, not a person, is asking; any 2xx tells it the unsubscribe took.
    const result = await unsubscribeProfile(db, { ...input, source: "one_click_unsubscribe" });
    if (result.outcome === "unknown_profile") return problem(404, UNKNOWN_PROFILE);
    return page(200, "Unsubscribed", `<h1>Unsubscribed</h1>\n<p role="status">You will not receive marketing emails from us any more.</p>`);
  }

  const wanted = fields.get("action");
  if (wanted !== "unsubscribe" && wanted !== "resubscribe") return problem(400, "Choose whether to unsubscribe or subscribe again.");
  const result =
    wanted === "unsubscribe"
      ? await unsubscribeProfile(db, { ...input, source: "preference_page" })
      : await resubscribeProfile(db, input);
  if (result.outcome === "unknown_profile") return problem(404, UNKNOWN_PROFILE);
  const data = await loadPreferences(db, claims.shopId, claims.profileId);
  if (!data) return problem(404, UNKNOWN_PROFILE);
  const confirmation =
    wanted === "unsubscribe"
      ? "You have been unsubscribed. You will not receive marketing emails from us any more."
      : "You are subscribed again. Thank you for staying with us.";
  return preferencePage(data, confirmation);
}
