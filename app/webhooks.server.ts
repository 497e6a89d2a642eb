import db from "./db.server";
import { Prisma } from "./db/client.server";
import { readBodyWithin } from "./http/body.server";
import { WebhookValidationErrorReason } from "@shopify/shopify-api";
import { createInboxWriter } from "./models/inbox-writer.server";
import { findShopByDomainCached, forgetCachedShop } from "./models/shop.server";
import { authenticate, shopifyApiLibrary } from "./shopify.server";

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

const inboxWriter = createInboxWriter(db);

/**
 * Accept fast, process later: verify the HMAC (Shopify's library), check size, JSON, topic and shop, store the
 * raw body in the inbox keyed by the webhook id and answer 200. A redelivery answers 200 and stores nothing new.
 */
export async function acceptWebhook(request: Request, expectedTopic: string): Promise<Response> {
  const shopHeader = request.headers.get("X-Shopify-Shop-Domain");
  if (request.method !== "POST") reject(405, "Webhooks are POSTed", shopHeader);
  const body = await readBodyWithin(request, MAX_WEBHOOK_BYTES);
  if (body === null) reject(413, "Webhook body too large", shopHeader);

  const check = await shopifyApiLibrary.webhooks.validate({ rawBody: body, rawRequest: request });
  if (!check.valid) {
    const unsigned = check.reason === WebhookValidationErrorReason.InvalidHmac || check.reason === WebhookValidationErrorReason.MissingHmac;
    reject(unsigned ? 401 : 400, unsigned ? "Invalid webhook signature" : `Invalid webhook (${check.reason})`, shopHeader);
  }
  try {
    JSON.parse(body);
  } catch {
    reject(400, "Webhook body is not valid JSON", check.domain);
  }
  if (check.topic !== topicConstant(expectedTopic)) {
    reject(400, `Topic ${check.topic} does not belong on the ${expectedTopic} endpoint`, check.domain);
  }
  const triggered = Date.parse(check.triggeredAt ?? "");
  const store = async (fresh: boolean) => {
    if (fresh) forgetCachedShop(check.domain);
    const shop = await findShopByDomainCached(db, check.domain);
    if (!shop) reject(404, "Unknown shop", check.domain);
    if (shop.uninstalledAt && !ACCEPTED_AFTER_UNINSTALL.has(expectedTopic)) reject(410, "Shop has uninstalled the app", shop.domain);
    if (!("webhookId" in check) || !check.webhookId) reject(400, "Missing X-Shopify-Webhook-Id", shop.domain);
    await inboxWriter.write({
      shopId: shop.id,
      source: "shopify_webhook",
      topic: expectedTopic,
      dedupeKey: check.webhookId,
      payload: body,
      apiVersion: check.apiVersion,
      triggeredAt: Number.isNaN(triggered) ? null : new Date(triggered),
    });
  };
  try {
    await store(false);
  } catch (error) {
    // The cached shop row was erased (shop/redact) and perhaps made anew (reinstall): look it up again, once.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003")) throw error;
    await store(true);
  }
  return new Response(null, { status: 200 });
}
