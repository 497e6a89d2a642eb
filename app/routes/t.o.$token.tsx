// GET /t/o/<token>: the open pixel. Always the same 1x1 transparent GIF, uncacheable, whatever the token: the answer
// tells nobody whether a token is valid. Only a valid token (app/domain/email/tracking-token.ts) records an open.
import type { LoaderFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { verifyOpenToken } from "../domain/email/tracking-token";
import { env } from "../env.server";
import { recordOpen } from "../models/email-engagement.server";

// GIF89a, 1x1, a two-colour palette and a graphic control extension making colour 0 (the one pixel) transparent.
const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

function pixel(): Response {
  return new Response(new Uint8Array(GIF), {
    status: 200,
    headers: {
      "Content-Type": "image/gif",
      "Content-Length": String(GIF.length),
      // Every fetch must reach us (a cached pixel hides opens) and no shared cache may keep it.
      "Cache-Control": "no-store, private",
      "Referrer-Policy": "no-referrer",
    },
  });
}

export async function loader({ request, params }: LoaderFunctionArgs): Promise<Response> {
  const check = verifyOpenToken(params.token ?? "", env.SESSION_SECRET);
  // HEAD is a client checking the image, not showing it.
  if (check.ok && request.method === "GET") {
    try {
      await recordOpen(db, { ...check.claims, at: new Date(), userAgent: request.headers.get("User-Agent") });
    } catch (error) {
      // The image still loads: a lost open is better than a broken email.
      console.error(`open of message ${check.claims.messageId} not recorded`, error);
    }
  }
  return pixel();
}
