/**
 * POST /ingest/pixel (app/routes/ingest.pixel.tsx): storefront events from our web pixel (extensions/web-pixel). Public and cross-origin, so:
 * body capped, shape validated, rate-limited, shop's ingest key checked in constant time; only then one inbox row,
 * keyed by Shopify's event id. The worker normalises it later. See docs/decisions/004-pixel-ingest.md.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import db from "./db.server";
import { pixelWireSchema, plausibleTime, storedPixelPayload, type VerifiedLink } from "./domain/events/pixel";
import { verifyProfileToken } from "./domain/profile-token";
import { demoClockFromEnv } from "./demo/demo-clock";
import { env } from "./env.server";
import { acceptInboxEntry } from "./models/inbox.server";
import { findShopForPixel, ingestKeyMatches, profileLinkFor } from "./models/pixel.server";
import { createRateLimiter, type BucketPolicy } from "./services/rate-limit.server";
import { readBodyWithin } from "./http/body.server";
import { clientIp } from "./http/client-ip.server";

export const MAX_BODY_BYTES = 32 * 1024;

// Real time, except in the demo on its fast clock: its storefront events carry virtual times, judged against it.
const clock = demoClockFromEnv(env);

// A page load sends two or three events; a shared IP (carrier NAT, an office) carries many shoppers.
export const CLIENT_POLICY: BucketPolicy = { capacity: 60, refillPerSecond: 1 };
export const IP_POLICY: BucketPolicy = { capacity: 600, refillPerSecond: 20 };

/** One process's buckets; see rate-limit.server.ts for why this is per process. */
export const pixelRateLimiter = createRateLimiter();

function corsHeaders(request: Request): Headers {
  const headers = new Headers({ Vary: "Origin" });
  const origin = request.headers.get("Origin");
  // Any storefront may post (custom domains, the checkout, the pixel sandbox); the ingest key authorises, and no
  // cookies are involved, so echoing the origin without Allow-Credentials grants nothing beyond the key.
  if (origin) headers.set("Access-Control-Allow-Origin", origin);
  return headers;
}

function reply(request: Request, status: number, body?: { error: string }, extra: Record<string, string> = {}): Response {
  const headers = corsHeaders(request);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  if (!body) return new Response(null, { status, headers });
  headers.set("Content-Type", "application/json");
  return new Response(JSON.stringify(body), { status, headers });
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

async function verifiedLink(token: string | null | undefined, shopId: string, now: Date): Promise<VerifiedLink | undefined> {
  if (!token) return undefined;
  const check = verifyProfileToken(token, { secret: env.SESSION_SECRET, shopId, now });
  // A bad token is ignored, not refused: the event itself is still worth having, only the link is withheld.
  if (!check.ok) return undefined;
  return (await profileLinkFor(db, shopId, check.profileId)) ?? undefined;
}

function preflightOrRefuse(request: Request): Response {
  if (request.method !== "OPTIONS") return reply(request, 405, { error: "POST only" }, { Allow: "POST, OPTIONS" });
  return reply(request, 204, undefined, {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
  });
}

/** Remix hands GET, HEAD and OPTIONS to the loader: the CORS preflight is answered here. */
export const pixelPreflight = ({ request }: LoaderFunctionArgs) => preflightOrRefuse(request);

export async function ingestPixelEvents({ request, context }: ActionFunctionArgs): Promise<Response> {
  if (request.method !== "POST") return preflightOrRefuse(request);

  const text = await readBodyWithin(request, MAX_BODY_BYTES);
  if (text === null) return reply(request, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reply(request, 400, { error: "body is not valid JSON" });
  }
  const parsed = pixelWireSchema.safeParse(json);
  if (!parsed.success) return reply(request, 400, { error: describeIssues(parsed.error) });
  const { shop: domain, key, profileToken, event } = parsed.data;

  const ip = clientIp(request, context);
  const limited = pixelRateLimiter.take([
    ...(ip ? [{ key: `pixel:${domain}:ip:${ip}`, policy: IP_POLICY }] : []),
    { key: `pixel:${domain}:client:${event.clientId}`, policy: CLIENT_POLICY },
  ]);
  if (!limited.ok) {
    return reply(request, 429, { error: "too many events" }, { "Retry-After": String(limited.retryAfterSeconds) });
  }

  const shop = await findShopForPixel(db, domain);
  if (!shop || shop.uninstalledAt) return reply(request, 404, { error: "unknown shop" });
  if (!ingestKeyMatches(shop.pixelIngestKey, key)) return reply(request, 401, { error: "invalid ingest key" });

  const now = clock.now();
  const link = await verifiedLink(profileToken, shop.id, now);
  // "duplicate" (a replayed event id) is a success too: the event is already in.
  await acceptInboxEntry(db, {
    shopId: shop.id,
    source: "web_pixel",
    topic: event.name,
    dedupeKey: event.id,
    payload: storedPixelPayload(event, now, link),
    triggeredAt: plausibleTime(event.timestamp, now),
  });
  return reply(request, 202);
}
