/** returns/request, returns/approve, returns/close. */
import { z } from "zod";
import { attempt, isoDate, optionalText, parsePayload, PayloadError, shopifyId, toJson } from "./schemas";
import type { NormalizeResult } from "./types";

export type ReturnTopic = "returns/request" | "returns/approve" | "returns/close";

const STAGE: Record<ReturnTopic, "requested" | "approved" | "closed"> = {
  "returns/request": "requested",
  "returns/approve": "approved",
  "returns/close": "closed",
};

const returnSchema = z.looseObject({
  id: shopifyId,
  status: optionalText,
  name: optionalText,
  // request/approve send `order: { id }`, close sends `order_id`.
  order: z.looseObject({ id: shopifyId }).nullish(),
  order_id: shopifyId.nullish(),
  return_line_items: z.array(z.unknown()).nullish(),
  total_return_line_items: z.number().int().nullish(),
  exchange_line_items: z.array(z.unknown()).nullish(),
  // Not in the 2026-07 samples; read if Shopify ever sends them.
  created_at: isoDate.nullish(),
  updated_at: isoDate.nullish(),
});

/**
 * Returns payloads carry no timestamp and no customer: occurredAt is the payload's own date if it ever has one,
 * else `triggeredAt` (the X-Shopify-Triggered-At header, the same on every retry); with neither the payload is
 * rejected rather than dated arbitrarily. Identity is {}: downstream links by properties.orderId.
 */
export function normalizeReturn(topic: ReturnTopic, payload: unknown, triggeredAt?: Date): NormalizeResult {
  return attempt(topic, () => {
    const r = parsePayload(returnSchema, payload);
    const orderId = r.order?.id ?? r.order_id;
    if (!orderId) throw new PayloadError("no order id (order.id or order_id)");
    const own = topic === "returns/request" ? (r.created_at ?? r.updated_at) : (r.updated_at ?? r.created_at);
    if (triggeredAt && Number.isNaN(triggeredAt.getTime())) throw new PayloadError("triggeredAt is an invalid Date");
    const occurredAt = own ?? triggeredAt;
    if (!occurredAt) throw new PayloadError("the payload has no timestamp; pass the delivery's X-Shopify-Triggered-At");
    const stage = STAGE[topic];
    return {
      identity: {},
      events: [
        {
          name: "Returned Order",
          occurredAt,
          sourceId: `return:${r.id}:${stage}`,
          properties: {
            status: r.status ?? null,
            stage,
            returnId: r.id,
            orderId,
            ...(r.name ? { returnName: r.name } : {}),
            returnLineItems: toJson(r.return_line_items ?? []),
            ...(r.total_return_line_items != null ? { totalReturnLineItems: r.total_return_line_items } : {}),
            ...(r.exchange_line_items ? { exchangeLineItems: toJson(r.exchange_line_items) } : {}),
          },
        },
      ],
    };
  });
}
