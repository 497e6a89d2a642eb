import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { getHmac } from "@shopify/shopify-api/test-helpers";

export const TEST_API_SECRET = "testApiSecretKey";
// A copy of Shopify's published samples (tests/fixtures/shopify-webhooks/README.md says where they come from).
export const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/shopify-webhooks", import.meta.url));

/** Shopify's published sample payload for a topic, as raw text (ids past 2^53 stay exact). */
export function fixtureBody(topic: string): string {
  return readFileSync(path.join(FIXTURES_DIR, `${topic.replace("/", "__")}.json`), "utf8");
}

type WebhookOptions = {
  topic: string;
  shop: string;
  body: string;
  secret?: string | null; // null: no signature header at all
  webhookId?: string;
  triggeredAt?: string;
  apiVersion?: string;
};

/** A POST signed exactly as Shopify signs webhook deliveries. */
export function webhookRequest(options: WebhookOptions): Request {
  const headers = new Headers({
    "Content-Type": "application/json",
    "X-Shopify-Topic": options.topic,
    "X-Shopify-Shop-Domain": options.shop,
    "X-Shopify-API-Version": options.apiVersion ?? "2026-07",
    "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": randomUUID(),
    "X-Shopify-Triggered-At": options.triggeredAt ?? new Date().toISOString(),
  });
  if (options.secret !== null) headers.set("X-Shopify-Hmac-Sha256", getHmac(options.body, options.secret ?? TEST_API_SECRET));
  const url = `https://my-test-app.myshopify.io/webhooks/${options.topic}`;
  return new Request(url, { method: "POST", headers, body: options.body });
}
