import { LosslessNumber, parse, stringify } from "lossless-json";
import { fixtureBody } from "./shopify";

/** A JSON object as lossless-json parses it: ids stay exact (LosslessNumber). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = Record<string, any>;

/** Shopify's sample for a topic with edits applied, re-serialised without losing big ids. */
export function samplePayload(topic: string, edit: (payload: Payload) => void = () => {}): string {
  const payload = parse(fixtureBody(topic)) as Payload;
  edit(payload);
  return stringify(payload) ?? "";
}

export const bigId = (id: string) => new LosslessNumber(id);

export type OrderVariant = {
  id: string;
  customerId?: string | null;
  email?: string | null;
  total?: string;
  updatedAt?: string;
  createdAt?: string;
  cancelledAt?: string | null;
  test?: boolean;
  checkoutToken?: string;
};

/** orders/* payload for one live (not test, not cancelled) order unless told otherwise. */
export function orderPayload(topic: string, v: OrderVariant): string {
  // Shopify publishes no orders/updated sample; its payload is the same order shape.
  return samplePayload(topic === "orders/updated" ? "orders/create" : topic, (o) => {
    const createdAt = v.createdAt ?? "2026-11-20T10:00:00Z";
    o.id = bigId(v.id);
    o.admin_graphql_api_id = `gid://shopify/Order/${v.id}`;
    o.name = `#${v.id.slice(-4)}`;
    o.email = v.email ?? null;
    o.contact_email = v.email ?? null;
    o.created_at = createdAt;
    o.processed_at = createdAt;
    o.updated_at = v.updatedAt ?? createdAt;
    o.cancelled_at = v.cancelledAt ?? null;
    o.test = v.test ?? false;
    o.refunds = [];
    if (v.total) {
      o.total_price = v.total;
      o.current_total_price = v.total;
    }
    if (v.checkoutToken) o.checkout_token = v.checkoutToken;
    if (v.customerId === null) o.customer = null;
    else if (v.customerId) {
      o.customer.id = bigId(v.customerId);
      o.customer.email = v.email ?? null;
      o.customer.admin_graphql_api_id = `gid://shopify/Customer/${v.customerId}`;
      if (o.customer.default_address) o.customer.default_address.customer_id = bigId(v.customerId);
    }
  });
}

export type CheckoutVariant = { token: string; at: Date; email: string | null; customerId?: string; firstName?: string };

/** checkouts/create started (and last updated) at `at`: a known customer's, or a guest's without `customerId`. */
export function checkoutPayload(v: CheckoutVariant): string {
  return samplePayload("checkouts/create", (c) => {
    c.token = v.token;
    c.created_at = v.at.toISOString();
    c.updated_at = v.at.toISOString();
    c.email = v.email;
    if (v.customerId === undefined) {
      c.customer = null;
      return;
    }
    c.customer.id = bigId(v.customerId);
    c.customer.email = v.email;
    c.customer.first_name = v.firstName ?? null;
  });
}
