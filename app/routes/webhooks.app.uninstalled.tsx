import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import db from "../db.server";
import { markShopUninstalled } from "../models/shop.server";
import { authenticateWebhook } from "../webhooks.server";

// The HMAC covers the body only, so a replayed body under another shop's header must not pass.
const uninstalledPayload = z.object({ myshopify_domain: z.string().nullish() });

// authenticateWebhook verifies the HMAC (401) and the JSON (400); nothing below runs for either.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, payload } = await authenticateWebhook(request);
  const parsed = uninstalledPayload.safeParse(payload);
  if (!parsed.success) return new Response("Malformed app/uninstalled payload", { status: 400 });
  if (parsed.data.myshopify_domain && parsed.data.myshopify_domain !== shop) {
    console.warn(`${topic}: payload names ${parsed.data.myshopify_domain}, header names ${shop}; ignored`);
    return new Response("Payload belongs to another shop", { status: 400 });
  }
  const triggeredAt = Date.parse(request.headers.get("X-Shopify-Triggered-At") ?? "");
  const at = Number.isNaN(triggeredAt) ? new Date() : new Date(triggeredAt);
  const outcome = await markShopUninstalled(db, shop, at);
  console.info(`${topic} for ${shop}: ${outcome}`);
  return new Response();
};
