import db from "./db.server";
import { readBodyWithin } from "./http/body.server";
import { acceptInboxEntry } from "./models/inbox.server";
import { findShopByDomain } from "./models/shop.server";
import { authenticate } from "./shopify.server";

/** Shopify's largest payloads (orders with hundreds of lines) stay well under this. */
export const MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;

// Shopify sends these after uninstall (shop/redact comes 48 h later): they must still be accepted.
const ACCEPTED_AFTER_UNINSTALL = new Set(["customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"]);

function reject(status: number, message: string, shop?: string | null): never {
  console.warn(`webhook rejected (${status}): ${message}${shop ? ` [${shop}]` : ""}`);
  throw new Response(message, { status });
}

/**
 * authenticate.webhook with the answers Shopify's delivery rules ask for: no signature is 401 (not 400),
 * and a correctly signed body that is not JSON is 400 (not a 500 from JSON.parse). Nothing is written before this.
 */
export async function authenticateWebhook(request: Request) {
  if (!request.headers.get("X-Shopify-Hmac-Sha256")) reject(401, "Missing webhook signature");
  try {
    return await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof SyntaxError) reject(400, "Webhook body is not valid JSON");
    throw error;
  }
}

/** "orders/create" -> "ORDERS_CREATE", the form the Shopify library reports topics in. */
export function topicConstant(topic: string): string {
  return topic.toUpperCase().replace(/[/.]/g, "_");
}

/**
 * Accept fast, process later: verify, check size, topic and shop, store the raw body in the inbox keyed by
 * the webhook id and answer 200. A redelivery answers 200 and stores nothing new.
 */
export async function acceptWebhook(request: Request, expectedTopic: string): Promise<Response> {
  const shopHeader = request.headers.get("X-Shopify-Shop-Domain");
  const body = await readBodyWithin(request, MAX_WEBHOOK_BYTES);
  if (body === null) reject(413, "Webhook body too large", shopHeader);
  const verified = await authenticateWebhook(new Request(request.url, { method: "POST", headers: request.headers, body }));

  if (verified.topic !== topicConstant(expectedTopic)) {
    reject(400, `Topic ${verified.topic} does not belong on the ${expectedTopic} endpoint`, verified.shop);
  }
  const shop = await findShopByDomain(db, verified.shop);
  if (!shop) reject(404, "Unknown shop", verified.shop);
  if (shop.uninstalledAt && !ACCEPTED_AFTER_UNINSTALL.has(expectedTopic)) reject(410, "Shop has uninstalled the app", shop.domain);
  if (!verified.webhookId) reject(400, "Missing X-Shopify-Webhook-Id", shop.domain);

  const triggered = Date.parse(request.headers.get("X-Shopify-Triggered-At") ?? "");
  await acceptInboxEntry(db, {
    shopId: shop.id,
    source: "shopify_webhook",
    topic: expectedTopic,
    dedupeKey: verified.webhookId,
    payload: body,
    apiVersion: verified.apiVersion,
    triggeredAt: Number.isNaN(triggered) ? null : new Date(triggered),
  });
  return new Response(null, { status: 200 });
}
