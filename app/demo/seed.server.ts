import type { Db } from "../db/client.server";
import { currencyFractionDigits, toDecimalString } from "../domain/money";
import { averageDaysBetweenOrders, type OrderStats } from "../domain/profiles/order-stats";
import { rfmScores } from "../domain/profiles/rfm";
import { dayInTimezone } from "../domain/time";
import { switchOnPreset } from "../models/flow-definitions.server";
import { ensurePresetFlows } from "../models/flows.server";
import { ensurePixelIngestKey } from "../models/pixel.server";
import { DEMO_CURRENCY, DEMO_TIMEZONE, demoHistory, demoProducts } from "./history";

export const DEMO_SHOP_DOMAIN = "northwind-outfitters.myshopify.com";
const CURRENCY = DEMO_CURRENCY;
const TIMEZONE = DEMO_TIMEZONE;

/** The presets a merchant typically switches on first; the rest stay off to show the choice. */
export const DEMO_LIVE_PRESETS = ["welcome", "abandoned_checkout", "post_purchase", "browse_abandonment"] as const;

type SeedOptions = { now?: Date; customers?: number; seed?: number };

function computedProperties(stats: OrderStats, now: Date) {
  const rfm = rfmScores(stats, now, 10n ** BigInt(currencyFractionDigits(CURRENCY)));
  return {
    averageDaysBetweenOrders: averageDaysBetweenOrders(stats),
    rfmRecency: rfm?.recency ?? null,
    rfmFrequency: rfm?.frequency ?? null,
    rfmMonetary: rfm?.monetary ?? null,
    rfmGroup: rfm?.group ?? null,
  };
}

/**
 * Seeds the demo shop once (a second call finds it and returns it unchanged). Deterministic for a given `now`:
 * its order history ends at `now`, where the demo's simulated month begins.
 */
export async function seedDemoShop(db: Db, options: SeedOptions = {}) {
  const existing = await db.shop.findUnique({ where: { domain: DEMO_SHOP_DOMAIN } });
  if (existing) return { shop: existing, created: false };

  const now = options.now ?? new Date();
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

  await db.product.createMany({
    data: demoProducts().map((p) => ({
      shopId: shop.id,
      shopifyProductId: p.shopifyProductId,
      handle: p.handle,
      title: p.title,
      productType: p.productType,
      vendor: "Northwind",
      imageUrl: null,
      priceMinor: p.priceMinor,
      currency: CURRENCY,
    })),
  });
  await ensurePresetFlows(db, shop.id);
  // The simulated storefront posts browsing events with this key, as the installed web pixel would.
  await ensurePixelIngestKey(db, shop.id);

  const profiles = [];
  const identities = [];
  const events = [];
  const dailyStore = new Map<string, { orders: bigint; revenue: bigint }>();

  for (const customer of demoHistory({ now, customers: options.customers, seed: options.seed })) {
    const { profileId, consent, joinedAt, stats } = customer;
    for (const order of customer.orders) {
      const { orderId, placedAt, lines, totalMinor } = order;
      events.push({
        shopId: shop.id,
        profileId,
        name: "Placed Order",
        occurredAt: placedAt,
        properties: {
          orderId,
          orderName: order.name,
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
      const day = dayInTimezone(placedAt, TIMEZONE);
      const store = dailyStore.get(day) ?? { orders: 0n, revenue: 0n };
      dailyStore.set(day, { orders: store.orders + 1n, revenue: store.revenue + totalMinor });
    }

    profiles.push({
      id: profileId,
      shopId: shop.id,
      email: customer.email,
      firstName: customer.firstName,
      lastName: customer.lastName,
      shopifyCustomerId: customer.customerId,
      emailConsent: consent,
      emailConsentAt: consent === "unknown" ? null : joinedAt,
      emailConsentSource: consent === "unknown" ? null : "shopify",
      ...stats,
      // The computed properties ingest keeps for every profile, as of the end of the history.
      ...computedProperties(stats, now),
      currency: stats.ordersCount > 0 ? CURRENCY : null,
      lastActiveAt: stats.lastOrderAt ?? joinedAt,
      createdAt: joinedAt,
    });
    identities.push(
      { shopId: shop.id, profileId, kind: "shopify_customer", value: customer.customerId },
      { shopId: shop.id, profileId, kind: "email", value: customer.email },
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

/** The demo as `npm run demo` starts it: the shop seeded once, with the first presets switched on when it is new. */
export async function seedDemo(db: Db, options: SeedOptions = {}) {
  const result = await seedDemoShop(db, options);
  if (result.created) for (const preset of DEMO_LIVE_PRESETS) await switchOnPreset(db, result.shop.id, preset);
  return result;
}
