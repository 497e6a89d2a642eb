// /signup/confirm/<token>: the double opt-in link of a signup form's confirmation email. GET shows a button, POST
// confirms: mail scanners fetch every link, and a subscription they confirmed would not be the person's consent.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { demoClockFromEnv } from "../demo/demo-clock";
import { verifySignupConfirmToken } from "../domain/email/tracking-token";
import { env } from "../env.server";
import { readBodyWithin } from "../http/body.server";
import { escapeHtml, standalonePage } from "../http/standalone-page.server";
import { confirmSignup } from "../models/signups.server";

const MAX_BODY_BYTES = 1024;
const clock = demoClockFromEnv(env);

const INVALID_LINK = "This confirmation link is not valid. Please use the link exactly as it appears in the email.";

function problem(status: 400 | 404 | 405 | 410 | 413, message: string): Response {
  return standalonePage(status, "Confirm your subscription", `<h1>Confirm your subscription</h1>\n<p>${escapeHtml(message)}</p>`);
}

function claimsOf(params: LoaderFunctionArgs["params"]) {
  const check = verifySignupConfirmToken(params.token ?? "", env.SESSION_SECRET);
  return check.ok ? check.claims : null;
}

export async function loader({ params }: LoaderFunctionArgs): Promise<Response> {
  const claims = claimsOf(params);
  if (!claims) return problem(400, INVALID_LINK);
  const pending = await db.pendingSignup.findFirst({
    where: { id: claims.signupId, shopId: claims.shopId },
    select: { status: true, expiresAt: true, shop: { select: { name: true } } },
  });
  if (!pending) return problem(404, "We could not find this signup. It may have expired and been removed: please sign up again.");
  if (pending.status === "confirmed") return confirmedPage(pending.shop.name, true);
  if (pending.status === "expired" || pending.expiresAt <= clock.now()) return problem(410, "This confirmation link has expired. Please sign up again on the shop's website.");
  return standalonePage(
    200,
    `Confirm your subscription – ${pending.shop.name}`,
    `<h1>Confirm your subscription</h1>
<p>Press the button to receive marketing emails from <strong>${escapeHtml(pending.shop.name)}</strong>.</p>
<form method="post"><button type="submit" name="action" value="confirm">Confirm my subscription</button></form>
<p class="small">You can unsubscribe at any time from any email we send.</p>`,
  );
}

function confirmedPage(shopName: string, already: boolean): Response {
  return standalonePage(
    200,
    "Subscription confirmed",
    `<h1>Subscription confirmed</h1>\n<p class="status" role="status">${already ? "You had already confirmed: you are subscribed" : "Thank you: you are subscribed"} to emails from <strong>${escapeHtml(shopName)}</strong>.</p>`,
  );
}

export async function action({ request, params }: ActionFunctionArgs): Promise<Response> {
  if (request.method !== "POST") return problem(405, "Only the confirmation button confirms.");
  if ((await readBodyWithin(request, MAX_BODY_BYTES)) === null) return problem(413, "The request was too large.");
  const claims = claimsOf(params);
  if (!claims) return problem(400, INVALID_LINK);
  const result = await confirmSignup(db, { shopId: claims.shopId, signupId: claims.signupId, now: clock.now() });
  switch (result.outcome) {
    case "confirmed":
      return confirmedPage(result.shopName, false);
    case "already_confirmed":
      return confirmedPage(result.shopName, true);
    case "expired":
      return problem(410, "This confirmation link has expired. Please sign up again on the shop's website.");
    default:
      return problem(404, "We could not find this signup. It may have expired and been removed: please sign up again.");
  }
}
