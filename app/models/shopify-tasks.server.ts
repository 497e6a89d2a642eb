// Writes to Shopify that a request must not wait for (consent changes from unsubscribe links and signup forms, the
// sales-ready tag) and the sales-ready CRM webhook: queued here inside the caller's transaction, performed by the
// worker (app/worker/shopify-tasks.server.ts).
import { Prisma, type DbOrTx, type ShopifyTask } from "../db/client.server";

export type ShopifyTaskKind = "consent_update" | "customer_upsert" | "customer_tag" | "crm_webhook";

export type EnqueueShopifyTaskInput = {
  shopId: string;
  kind: ShopifyTaskKind;
  /** One task per key and shop, ever: a repeated call (a replayed click, a resubmitted form) is a no-op. */
  key: string;
  payload: Prisma.InputJsonValue;
  /** Not attempted before this time (default: at once). */
  notBefore?: Date;
};

/** Queues a Shopify write once per key; returns the existing task and created = false for a repeat. */
export async function enqueueShopifyTask(tx: DbOrTx, input: EnqueueShopifyTaskInput): Promise<{ task: ShopifyTask; created: boolean }> {
  const where = { shopId_key: { shopId: input.shopId, key: input.key } };
  const existing = await tx.shopifyTask.findUnique({ where });
  if (existing) return { task: existing, created: false };
  try {
    const task = await tx.shopifyTask.create({
      data: {
        shopId: input.shopId,
        kind: input.kind,
        key: input.key,
        payload: input.payload,
        ...(input.notBefore ? { nextAttemptAt: input.notBefore } : {}),
      },
    });
    return { task, created: true };
  } catch (error) {
    // A concurrent caller queued the same key first (inside a PostgreSQL transaction the caller retries).
    if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") throw error;
    const raced = await tx.shopifyTask.findUnique({ where }).catch(() => null);
    if (!raced) throw error;
    return { task: raced, created: false };
  }
}
