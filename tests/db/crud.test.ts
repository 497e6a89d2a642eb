// The same client code on both databases: exact big numbers, unique keys, Json, Shopify session storage.
import { Prisma as ClassicPrisma } from "@prisma/client";
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../app/db/client.server";
import { PROVIDERS } from "../../app/db/url";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const BEYOND_2_53 = "9007199254740993"; // 2^53 + 1: a JavaScript number would round it

describe.each(PROVIDERS)("%s through createPrismaClient", (provider) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(provider);
  });
  afterAll(() => db?.cleanup());

  async function shopWithProfile(domain: string) {
    const shop = await db.prisma.shop.create({ data: { domain, name: "Test shop", currency: "IDR" } });
    const profile = await db.prisma.profile.create({
      data: { shopId: shop.id, email: "ana@example.com", shopifyCustomerId: BEYOND_2_53 },
    });
    return { shop, profile };
  }

  it("round-trips shop, profile and event with BigInt money and ids past 2^53", async () => {
    const { shop, profile } = await shopWithProfile("roundtrip.myshopify.com");
    const valueMinor = 150_000_000_000_000_001n; // a large order in minor units, past 2^53
    const occurredAt = new Date("2026-01-02T03:04:05.678Z");
    await db.prisma.event.create({
      data: {
        shopId: shop.id,
        profileId: profile.id,
        name: "Placed Order",
        occurredAt,
        properties: { orderId: BEYOND_2_53 },
        valueMinor,
        currency: "IDR",
        source: "shopify_webhook",
        sourceId: `orders/create:${BEYOND_2_53}:Placed Order`,
      },
    });

    const stored = await db.prisma.event.findFirstOrThrow({
      where: { shopId: shop.id },
      include: { profile: true, shop: true },
    });
    expect(stored.valueMinor).toBe(valueMinor);
    expect(stored.sourceId).toBe(`orders/create:${BEYOND_2_53}:Placed Order`);
    expect(stored.occurredAt.toISOString()).toBe(occurredAt.toISOString());
    expect(stored.profile?.shopifyCustomerId).toBe(BEYOND_2_53);
    expect(stored.shop.currency).toBe("IDR");
    const updated = await db.prisma.profile.update({
      where: { id: profile.id },
      data: { revenueMinor: { increment: valueMinor } },
    });
    expect(updated.revenueMinor).toBe(valueMinor);
  });

  it("rejects a second event with the same (shopId, sourceId) as P2002, an error Shopify's storage recognises", async () => {
    const { shop } = await shopWithProfile("duplicate.myshopify.com");
    const event = {
      shopId: shop.id,
      name: "Placed Order",
      occurredAt: new Date(),
      properties: {},
      source: "shopify_webhook",
      sourceId: "orders/create:1:Placed Order",
    };
    await db.prisma.event.create({ data: event });
    const error: unknown = await db.prisma.event.create({ data: event }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
    // @shopify/shopify-app-session-storage-prisma checks instanceof against the classic @prisma/client.
    expect(error).toBeInstanceOf(ClassicPrisma.PrismaClientKnownRequestError);
    expect(await db.prisma.event.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("round-trips Json properties exactly", async () => {
    const { profile } = await shopWithProfile("json.myshopify.com");
    const properties = {
      birthday: "1990-05-17",
      tags: ["vip", "ünïcødé ✓", "😀"],
      nested: { list: [1, 2.5, -3, null, true, false], empty: {}, text: 'quote " and \\ backslash' },
      customerId: BEYOND_2_53,
    };
    await db.prisma.profile.update({ where: { id: profile.id }, data: { properties } });
    const stored = await db.prisma.profile.findUniqueOrThrow({ where: { id: profile.id } });
    expect(stored.properties).toEqual(properties);
  });

  it("stores, loads, finds and deletes Shopify sessions through PrismaSessionStorage", async () => {
    // The classic-client type the package declares differs from ours; at runtime it only uses prisma.session.
    const storage = new PrismaSessionStorage(db.prisma as unknown as ConstructorParameters<typeof PrismaSessionStorage>[0]);
    const shop = `sessions-${provider}.myshopify.com`;
    const offline = new Session({
      id: `offline_${shop}`,
      shop,
      state: "state-1",
      isOnline: false,
      scope: "read_orders,write_discounts",
      accessToken: "shpat_offline",
    });
    const online = new Session({
      id: `${shop}_${BEYOND_2_53}`,
      shop,
      state: "state-2",
      isOnline: true,
      scope: "read_orders",
      expires: new Date("2030-01-01T00:00:00.000Z"),
      accessToken: "shpua_online",
      onlineAccessInfo: {
        expires_in: 86_400,
        associated_user_scope: "read_orders",
        associated_user: {
          id: 902_541_635,
          first_name: "Ana",
          last_name: "Lima",
          email: "ana@example.com",
          email_verified: true,
          account_owner: true,
          locale: "pt-BR",
          collaborator: false,
        },
      },
    });

    expect(await storage.storeSession(offline)).toBe(true);
    expect(await storage.storeSession(online)).toBe(true);
    offline.accessToken = "shpat_rotated";
    expect(await storage.storeSession(offline)).toBe(true); // the upsert's update path

    const loaded = await storage.loadSession(offline.id);
    expect(loaded?.accessToken).toBe("shpat_rotated");
    expect(loaded?.equals(offline)).toBe(true);
    const loadedOnline = await storage.loadSession(online.id);
    expect(loadedOnline?.expires?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(loadedOnline?.onlineAccessInfo?.associated_user.id).toBe(902_541_635);

    const found = await storage.findSessionsByShop(shop);
    expect(found.map((session) => session.id).sort()).toEqual([offline.id, online.id].sort());

    expect(await storage.deleteSession(online.id)).toBe(true);
    expect(await storage.loadSession(online.id)).toBeUndefined();
    expect((await storage.findSessionsByShop(shop)).map((session) => session.id)).toEqual([offline.id]);
  });
});
