// Discount codes used, on both databases, driven as production drives it: orders through the inbox and the worker.
// An order carrying one of our per-recipient codes counts once on the email that gave it out, whatever Shopify
// redelivers; test orders, unknown codes and another shop's codes count nothing.
import { randomUUID } from "node:crypto";
import { parse, stringify } from "lossless-json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { discountCodeFor } from "../../app/domain/email/discount-code";
import { acceptInboxEntry } from "../../app/models/inbox.server";
import { ensureShop } from "../../app/models/shop.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { orderPayload, type OrderVariant } from "../helpers/payloads";

describe.each(["sqlite", "postgresql"] as const)("discount codes used, on %s", (provider) => {
  let t: TestDatabase;
  let db: Db;
  const shops: Record<"a" | "b", { id: string; flowId: string; profileId: string }> = {} as never;
  let serial = 0;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    db = t.prisma;
    for (const key of ["a", "b"] as const) {
      const shop = await ensureShop(db, `redeem-${key}-${provider}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
      const flow = await db.flow.create({ data: { shopId: shop.id, name: "Abandoned checkout", preset: "abandoned_checkout", status: "live" } });
      const profile = await db.profile.create({ data: { shopId: shop.id, email: `${key}@example.com` } });
      shops[key] = { id: shop.id, flowId: flow.id, profileId: profile.id };
    }
  });
  afterAll(() => t?.cleanup());

  /** An email of shop `key`'s flow that carried its own code. */
  async function emailWithCode(key: "a" | "b", stepId = "checkout_3", variant = "") {
    const s = shops[key];
    const id = `msg-${provider}-${++serial}`;
    const code = discountCodeFor({ secret: "s", messageId: id, prefix: "abandoned" });
    await db.message.create({
      data: {
        id, shopId: s.id, profileId: s.profileId, flowId: s.flowId, flowVersionId: "v1", stepId, variant,
        idempotencyKey: id, toEmail: `${key}@example.com`, subject: "10% off", status: "sent", discountCode: code,
      },
    });
    return code;
  }

  async function order(key: "a" | "b", topic: string, v: OrderVariant, codes: string[]) {
    const payload = parse(orderPayload(topic, { email: `${key}@example.com`, ...v })) as Record<string, unknown>;
    payload.discount_codes = codes.map((code) => ({ code, amount: "5.00", type: "percentage" }));
    await acceptInboxEntry(db, { shopId: shops[key].id, source: "shopify_webhook", topic, dedupeKey: randomUUID(), payload: stringify(payload)! });
    for (;;) {
      const result = await drainInboxOnce(db);
      expect(result.failed).toBe(0);
      if (result.claimed === 0) return;
    }
  }

  const redeemed = async (key: "a" | "b") =>
    (await db.dailyRollup.findMany({ where: { shopId: shops[key].id, metric: "discount_redeemed" }, orderBy: { day: "asc" } })).map((r) => [
      r.day, r.flowId === shops[key].flowId, r.stepId, r.variant, r.value,
    ]);

  it("counts an order with our code once, on the email's flow, step and variant, on the order's day", async () => {
    const code = await emailWithCode("a", "checkout_3", "48h");
    // Typed in lower case at checkout: Shopify matches codes in any case.
    await order("a", "orders/create", { id: "91001", createdAt: "2026-11-20T10:00:00Z" }, [code.toLowerCase()]);
    expect(await redeemed("a")).toEqual([["2026-11-20", true, "checkout_3", "48h", 1n]]);
    // Redelivered, then updated and paid: the Placed Order event already exists, nothing counts again.
    await order("a", "orders/create", { id: "91001", createdAt: "2026-11-20T10:00:00Z" }, [code]);
    await order("a", "orders/updated", { id: "91001", createdAt: "2026-11-20T10:00:00Z", updatedAt: "2026-11-20T11:00:00Z" }, [code]);
    await order("a", "orders/paid", { id: "91001", createdAt: "2026-11-20T10:00:00Z", updatedAt: "2026-11-20T11:05:00Z" }, [code]);
    expect(await redeemed("a")).toEqual([["2026-11-20", true, "checkout_3", "48h", 1n]]);
    // A second order with the same code (codes can be shared) counts again, on its own day.
    await order("a", "orders/create", { id: "91002", createdAt: "2026-11-21T09:00:00Z" }, [code]);
    expect((await redeemed("a")).map((r) => [r[0], r[4]])).toEqual([["2026-11-20", 1n], ["2026-11-21", 1n]]);
  });

  it("ignores test orders, codes that are not ours, and another shop's codes", async () => {
    const before = await redeemed("a");
    const codeA = await emailWithCode("a");
    const codeB = await emailWithCode("b");
    await order("a", "orders/create", { id: "92001", test: true }, [codeA]);
    await order("a", "orders/create", { id: "92002" }, ["SPRING10", "FREESHIP", "X".repeat(300)]);
    // Shop B's code used in shop A: well formed, but no email of shop A gave it out.
    await order("a", "orders/create", { id: "92003" }, [codeB]);
    expect(await redeemed("a")).toEqual(before);
    expect(await redeemed("b")).toEqual([]);
  });
});
