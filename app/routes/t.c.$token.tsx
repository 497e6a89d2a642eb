// GET /t/c/<token>: a tracked link. The token names the message and the destination and is signed with it
// (app/domain/email/tracking-token.ts), so this redirect only ever goes where one of our emails pointed, and only to
// http(s). A forged, altered or malformed token gets a short 400 page: no redirect, nothing written.
import type { LoaderFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { verifyClickToken } from "../domain/email/tracking-token";
import { env } from "../env.server";
import { recordClick } from "../models/email-engagement.server";

const PRIVATE = { "Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer" };

export async function loader({ request, params }: LoaderFunctionArgs): Promise<Response> {
  const check = verifyClickToken(params.token ?? "", env.SESSION_SECRET);
  if (!check.ok) {
    return new Response("This link is not valid. Please use the link exactly as it appears in the email.\n", {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8", ...PRIVATE },
    });
  }
  // HEAD is a client checking the link, not a person following it.
  if (request.method === "GET") {
    try {
      // A signed link whose message is gone (shop uninstalled, data erased) still goes where it pointed; it counts nothing.
      await recordClick(db, { ...check.claims, at: new Date() });
    } catch (error) {
      // The person still gets where they were going: a lost click is better than a broken link.
      console.error(`click on message ${check.claims.messageId} not recorded`, error);
    }
  }
  return new Response(null, { status: 302, headers: { Location: check.claims.url, ...PRIVATE } });
}
