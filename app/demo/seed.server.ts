import type { Db } from "../db/client.server";
import { toDecimalString, toMinorUnits } from "../domain/money";
import { addOrder, EMPTY_ORDER_STATS, type OrderStats } from "../domain/profiles/order-stats";
import { dayInTimezone } from "../domain/time";
import { ensurePresetFlows } from "../models/flows.server";
import { DEMO_PRODUCTS, FIRST_NAMES, LAST_NAMES } from "./catalogue";
import { seededRandom } from "./random";

export const DEMO_SHOP_DOMAIN = "northwind-outfitters.myshopify.com";
const CURRENCY = "USD";
const TIMEZONE = "America/New_York";
// Shopify ids are 64-bit; starting past 2^53 keeps the demo honest about string ids.
const ID_BASE = 9_007_199_254_740_993n;
const DAY_MS = 86_400_000;

type SeedOptions = { now?: Date; customers?: number; seed?: number };

/** Seeds the demo shop once (a second call finds it and returns it unchanged). Deterministic for a given `now`. */
export async function seedDemoShop(db: Db, options: SeedOptions = {}) {
  const existing = await db.shop.findUnique({ where: { domain: DEMO_SHOP_DOMAIN } });
  if (existing) return { shop: existing, created: false };

  const now = options.now ?? new Date();
  const random = seededRandom(options.seed ?? 20261124);
  const shop = await db.shop.create({
    data: {
      domain: DEMO_SHOP_DOMAIN,
      name: "Northwind Outfitters",
      email: "owner@northwind-outfitters.example",
      currency: CURRENCY,
      timezone: TIMEZONE,
      isDemo: true,
      settings: {
        create: { senderName: "Northwind Outfitters", senderEmail: "hello@northwind-outfitters.example" },
      },
    },
  });

  const products = DEMO_PRODUCTS.map((p, i) => ({
    shopId: shop.id,
    shopifyProductId: (ID_BASE + 1000n + BigInt(i)).toString(),
    handle: p.handle,
    title: p.title,
    productType: p.type,
    vendor: "Northwind",
    imageUrl: null,
    priceMinor: toMinorUnits(p.price, CURRENCY),
    currency: CURRENCY,
  }));
  await db.product.createMany({ data: products });
  await ensurePresetFlows(db, shop.id);

  const profiles = [];
  const identities = [];
  const events = [];
  const dailyStore = new Map<string, { orders: bigint; revenue: bigint }>();
  let orderNumber = 1001;

  for (let i = 0; i < (options.customers ?? 240); i++) {
    const profileId = `demo_profile_${i}`;
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const email = `${firstName}.${lastName}.${i}@example.com`.toLowerCase();
    const customerId = (ID_BASE + 100_000n + BigInt(i)).toString();
    const joinedAt = new Date(now.getTime() - random.int(5, 365) * DAY_MS - random.int(0, DAY_MS));
    const consent = random.chance(0.7) ? "subscribed" : random.chance(0.5) ? "unsubscribed" : "unknown";

    let stats: OrderStats = EMPTY_ORDER_STATS;
    const orderCount = random.chance(0.35) ? 0 : random.int(1, 5);
    for (let o = 0; o < orderCount; o++) {
      const placedAt = new Date(joinedAt.getTime() + random.next() * (now.getTime() - joinedAt.getTime()));
      const orderId = (ID_BASE + 5_000_000n + BigInt(orderNumber)).toString();
      const lines = Array.from({ length: random.int(1, 3) }, () => {
        const product = random.pick(products);
        return { product, quantity: random.chance(0.8) ? 1 : 2 };
      });
      const totalMinor = lines.reduce((sum, l) => sum + l.product.priceMinor * BigInt(l.quantity), 0n);
      const name = `#${orderNumber++}`;
      events.push({
        shopId: shop.id,
        profileId,
        name: "Placed Order",
        occurredAt: placedAt,
        properties: {
          orderId,
          orderName: name,
          totalPrice: toDecimalString(totalMinor, CURRENCY),
          itemCount: lines.reduce((n, l) => n + l.quantity, 0),
          productIds: lines.map((l) => l.product.shopifyProductId),
        },
        valueMinor: totalMinor,
        currency: CURRENCY,
        source: "demo_seed",
        sourceId: `demo:order:${orderId}:Placed Order`,
      });
      lines.forEach((line, index) => {
        events.push({
          shopId: shop.id,
          profileId,
          name: "Ordered Product",
          occurredAt: placedAt,
          properties: {
            orderId,
            productId: line.product.shopifyProductId,
            title: line.product.title,
            quantity: line.quantity,
            price: toDecimalString(line.product.priceMinor, CURRENCY),
          },
          valueMinor: line.product.priceMinor * BigInt(line.quantity),
          currency: CURRENCY,
          source: "demo_seed",
          sourceId: `demo:order:${orderId}:Ordered Product:${index}`,
        });
      });
      stats = addOrder(stats, { placedAt, totalMinor });
      const day = dayInTimezone(placedAt, TIMEZONE);
      const store = dailyStore.get(day) ?? { orders: 0n, revenue: 0n };
      dailyStore.set(day, { orders: store.orders + 1n, revenue: store.revenue + totalMinor });
    }

    profiles.push({
      id: profileId,
      shopId: shop.id,
      email,
      firstName,
      lastName,
      shopifyCustomerId: customerId,
      emailConsent: consent,
      emailConsentAt: consent === "unknown" ? null : joinedAt,
      emailConsentSource: consent === "unknown" ? null : "shopify",
      ...stats,
      currency: stats.ordersCount > 0 ? CURRENCY : null,
      lastActiveAt: stats.lastOrderAt ?? joinedAt,
      createdAt: joinedAt,
    });
    identities.push(
      { shopId: shop.id, profileId, kind: "shopify_customer", value: customerId },
      { shopId: shop.id, profileId, kind: "email", value: email },
    );
  }

  const rollups = [...dailyStore].flatMap(([day, totals]) => [
    { shopId: shop.id, day, metric: "store_orders", value: totals.orders },
    { shopId: shop.id, day, metric: "store_revenue", value: totals.revenue },
  ]);
  await db.$transaction([
    db.profile.createMany({ data: profiles }),
    db.profileIdentity.createMany({ data: identities }),
    db.event.createMany({ data: events }),
    db.dailyRollup.createMany({ data: rollups }),
  ]);
  return { shop, created: true };
}
