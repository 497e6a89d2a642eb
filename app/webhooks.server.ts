import { authenticate } from "./shopify.server";

/**
 * authenticate.webhook with the answers Shopify's delivery rules ask for: no signature is 401 (not 400),
 * and a correctly signed body that is not JSON is 400 (not a 500 from JSON.parse). Nothing is written before this.
 */
export async function authenticateWebhook(request: Request) {
  if (!request.headers.get("X-Shopify-Hmac-Sha256")) {
    throw new Response("Missing webhook signature", { status: 401 });
  }
  try {
    return await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof SyntaxError) throw new Response("Webhook body is not valid JSON", { status: 400 });
    throw error;
  }
}
