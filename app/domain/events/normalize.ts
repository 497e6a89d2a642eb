/** Entry point: a webhook topic and its raw body -> our canonical facts. Pure: no I/O, no clock. */
import { normalizeCheckout } from "./checkouts";
import { normalizeEmailConsentUpdate } from "./consent";
import { normalizeCustomer, normalizeCustomerDelete } from "./customers";
import { normalizeOrder } from "./orders";
import { normalizeRefund } from "./refunds";
import { normalizeReturn } from "./returns";
import { parseShopifyJson } from "./shopify-json";
import type { NormalizeResult } from "./types";

export const WEBHOOK_TOPICS = [
  "orders/create",
  "orders/paid",
  "orders/updated",
  "orders/cancelled",
  "orders/fulfilled",
  "refunds/create",
  "checkouts/create",
  "checkouts/update",
  "returns/request",
  "returns/approve",
  "returns/close",
  "customers/create",
  "customers/update",
  "customers/delete",
  "customers_email_marketing_consent/update",
] as const;

export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

const TOPIC_SET: ReadonlySet<string> = new Set(WEBHOOK_TOPICS);

export function isWebhookTopic(s: string): s is WebhookTopic {
  return TOPIC_SET.has(s);
}

export function assertUnreachable(x: never): never {
  throw new Error(`Unhandled webhook topic: ${String(x)}`);
}

/** Delivery metadata some topics need. */
export type NormalizeContext = {
  /**
   * X-Shopify-Triggered-At as a Date. Only returns/* use it (their payloads carry no timestamp); without it a
   * returns payload normalises to ok:false.
   */
  triggeredAt?: Date;
};

export function normalizeWebhook(topic: WebhookTopic, rawBody: string, context: NormalizeContext = {}): NormalizeResult {
  let payload: unknown;
  try {
    payload = parseShopifyJson(rawBody);
  } catch (error) {
    return { ok: false, error: `${topic}: ${error instanceof Error ? error.message : String(error)}` };
  }
  switch (topic) {
    case "orders/create":
    case "orders/paid":
    case "orders/updated":
    case "orders/cancelled":
    case "orders/fulfilled":
      return normalizeOrder(topic, payload);
    case "refunds/create":
      return normalizeRefund(payload);
    case "checkouts/create":
    case "checkouts/update":
      return normalizeCheckout(topic, payload);
    case "returns/request":
    case "returns/approve":
    case "returns/close":
      return normalizeReturn(topic, payload, context.triggeredAt);
    case "customers/create":
    case "customers/update":
      return normalizeCustomer(topic, payload);
    case "customers/delete":
      return normalizeCustomerDelete(payload);
    case "customers_email_marketing_consent/update":
      return normalizeEmailConsentUpdate(payload);
    default:
      return assertUnreachable(topic);
  }
}
