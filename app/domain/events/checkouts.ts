/** checkouts/create and checkouts/update (the same payload shape). */
import { z } from "zod";
import { customerFacts, customerSchema } from "./customers";
import { buildIdentity } from "./identity";
import { attempt, currencyCode, decimal, isoDate, minor, optionalText, parsePayload, shopifyId } from "./schemas";
import type { CanonicalEvent, JsonObject, NormalizeResult } from "./types";

const checkoutSchema = z.looseObject({
  token: z.string().trim().min(1, "expected a checkout token"),
  cart_token: optionalText,
  email: optionalText,
  phone: optionalText,
  currency: currencyCode,
  presentment_currency: currencyCode.nullish(),
  total_price: decimal,
  subtotal_price: decimal.nullish(),
  created_at: isoDate,
  updated_at: isoDate,
  completed_at: isoDate.nullish(),
  abandoned_checkout_url: optionalText,
  // Checkout lines have no id (only a `key`, which the sample repeats) and no image field.
  line_items: z.array(
    z.looseObject({
      product_id: shopifyId.nullish(),
      variant_id: shopifyId.nullish(),
      title: optionalText,
      variant_title: optionalText,
      quantity: z.number().int().nonnegative(),
      price: decimal,
    }),
  ),
  customer: customerSchema.nullish(),
});

export function normalizeCheckout(topic: "checkouts/create" | "checkouts/update", payload: unknown): NormalizeResult {
  return attempt(topic, () => {
    const c = parsePayload(checkoutSchema, payload);
    const customer = c.customer ?? undefined;
    const facts = customer ? customerFacts(customer, c.updated_at) : { events: [] };
    const lineItems: JsonObject[] = c.line_items.map((line) => ({
      productId: line.product_id ?? null,
      variantId: line.variant_id ?? null,
      title: line.title ?? null,
      variantTitle: line.variant_title ?? null,
      quantity: line.quantity,
      price: line.price,
    }));
    const started = topic === "checkouts/create";
    const event: CanonicalEvent = {
      name: started ? "Started Checkout" : "Updated Checkout",
      occurredAt: started ? c.created_at : c.updated_at,
      // An update is a fact per updated_at (ISO-normalised), so redeliveries collapse but later edits do not.
      sourceId: started ? `checkout:${c.token}:started` : `checkout:${c.token}:updated:${c.updated_at.toISOString()}`,
      valueMinor: minor(c.total_price, c.currency, "total_price"),
      currency: c.currency,
      properties: {
        checkoutToken: c.token,
        cartToken: c.cart_token ?? null,
        abandonedCheckoutUrl: c.abandoned_checkout_url ?? null,
        totalPrice: c.total_price,
        subtotalPrice: c.subtotal_price ?? null,
        currency: c.currency,
        presentmentCurrency: c.presentment_currency ?? c.currency,
        lineItems,
        completedAt: c.completed_at?.toISOString() ?? null,
      },
    };
    return {
      identity: buildIdentity({
        shopifyCustomerId: customer?.id,
        emails: [c.email, customer?.email],
        phones: [c.phone, customer?.phone],
        checkoutToken: c.token,
      }),
      ...(facts.profile ? { profile: facts.profile } : {}),
      events: [event, ...facts.events],
    };
  });
}
