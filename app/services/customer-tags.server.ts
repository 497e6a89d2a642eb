// Adds and removes a Shopify customer's tags (tagsAdd / tagsRemove, both idempotent at Shopify): flows' tag_customer
// step and the sales-ready hand-off share it.
import type { AdminGraphql } from "./shopify-admin.server";

const TAGS_ADD = `mutation FlowTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } }
}`;
const TAGS_REMOVE = `mutation FlowTagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } }
}`;

export type TagResult = { ok: true; detail: string | null } | { ok: false; retryable: boolean; error: string };

/** Applies `add` then `remove` to the customer with this numeric id; failures are values (throttling is retryable). */
export async function changeCustomerTags(admin: AdminGraphql, customerId: string, add: readonly string[], remove: readonly string[]): Promise<TagResult> {
  const id = `gid://shopify/Customer/${customerId}`;
  for (const [mutation, field, tags] of [[TAGS_ADD, "tagsAdd", add], [TAGS_REMOVE, "tagsRemove", remove]] as const) {
    if (tags.length === 0) continue;
    const result = await admin.request(mutation, { id, tags });
    if (!result.ok) return { ok: false, retryable: result.retryable, error: result.error };
    const payload = (result.data as Record<string, { userErrors?: Array<{ message: string }> } | null> | null)?.[field];
    const userErrors = payload?.userErrors ?? [];
    if (!payload) return { ok: false, retryable: false, error: `${field}: empty response` };
    if (userErrors.length > 0) return { ok: false, retryable: false, error: `${field}: ${userErrors.map((e) => e.message).join("; ")}` };
  }
  return { ok: true, detail: [add.length ? `+${add.join(",")}` : "", remove.length ? `-${remove.join(",")}` : ""].filter(Boolean).join(" ") || null };
}

/** A Shopify customer id we may put into a gid: digits only. */
export function isCustomerId(value: string | null): value is string {
  return value !== null && /^\d+$/.test(value);
}
