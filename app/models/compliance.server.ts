/** The three mandatory compliance webhooks: customers/data_request, customers/redact, shop/redact. */
import { z } from "zod";
import { normalizeEmail } from "../domain/events/identity";
import { optionalText, parsePayload, shopifyId } from "../domain/events/schemas";
import { parseShopifyJson } from "../domain/events/shopify-json";
import { PermanentInboxError } from "../worker/inbox-worker.server";
import { recordDataRequest } from "./compliance/export.server";
import { redactCustomer, redactShop } from "./compliance/redact.server";
import { findSubject, type CustomerRef } from "./compliance/subject.server";
import type { Tx } from "./identity.server";

export { payloadMatcher, REDACTED_PAYLOAD } from "./compliance/redact.server";

export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[number];

type ShopRef = { id: string };

const customerSchema = z
  .looseObject({ id: shopifyId.nullish(), email: optionalText, phone: optionalText })
  .refine((c) => c.id != null || c.email !== undefined || c.phone !== undefined, "customer names no id, email or phone");

const orderIds = z.array(shopifyId).nullish().transform((ids) => ids ?? []);

const dataRequestSchema = z.looseObject({
  customer: customerSchema,
  orders_requested: orderIds,
  data_request: z.looseObject({ id: shopifyId }),
});

const customerRedactSchema = z.looseObject({ customer: customerSchema, orders_to_redact: orderIds });

// The shop is the one the signed delivery came for; shop_id/shop_domain in the body are not trusted over it.
const shopRedactSchema = z.looseObject({});

function customerRef(customer: z.output<typeof customerSchema>): CustomerRef {
  return {
    ...(customer.id != null ? { customerId: customer.id } : {}),
    ...(customer.email ? { email: normalizeEmail(customer.email) } : {}),
    ...(customer.phone ? { phone: customer.phone.trim() } : {}),
  };
}

function parse<S extends z.ZodType>(topic: ComplianceTopic, schema: S, rawBody: string): z.output<S> {
  try {
    return parsePayload(schema, parseShopifyJson(rawBody));
  } catch (error) {
    // Neither a malformed body nor a schema violation gets better on retry.
    throw new PermanentInboxError(`${topic}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Handles one compliance delivery inside the worker's transaction. "shop-deleted" after shop/redact: the shop and
 * everything that cascades from it (the inbox entry included) is gone.
 */
export async function handleComplianceWebhook(
  tx: Tx,
  shop: ShopRef,
  topic: ComplianceTopic,
  rawBody: string,
  now: Date,
): Promise<"done" | "shop-deleted"> {
  switch (topic) {
    case "customers/data_request": {
      const payload = parse(topic, dataRequestSchema, rawBody);
      const customer = customerRef(payload.customer);
      const subject = await findSubject(tx, shop.id, customer);
      const input = { requestId: payload.data_request.id, customer, ordersRequested: payload.orders_requested };
      await recordDataRequest(tx, shop.id, subject, input, now);
      return "done";
    }
    case "customers/redact": {
      const payload = parse(topic, customerRedactSchema, rawBody);
      const subject = await findSubject(tx, shop.id, customerRef(payload.customer));
      await redactCustomer(tx, shop.id, subject, now);
      return "done";
    }
    case "shop/redact": {
      parse(topic, shopRedactSchema, rawBody);
      await redactShop(tx, shop.id);
      return "shop-deleted";
    }
    default:
      return unreachable(topic);
  }
}

function unreachable(topic: never): never {
  throw new PermanentInboxError(`Unhandled compliance topic: ${String(topic)}`);
}
