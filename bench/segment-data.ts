// The segment benchmark's shop, generated from a seed: profiles with custom properties (gender, birthday,
// location), consent and order stats, and about ten events each (orders with their products, opened and clicked
// emails, viewed products), in the shapes ingest stores. Pure: the same seed gives the same rows every run.
import type { SegmentEvent, SegmentProfile } from "../app/domain/segments/evaluate";
import { rfmScores } from "../app/domain/profiles/rfm";
import type { BulkRow } from "./bulk-insert";
import { seeded } from "./lib";

export const SEGMENT_NOW = new Date("2026-11-20T12:00:00Z");
export const SEGMENT_CLOCK = { now: SEGMENT_NOW, timezone: "UTC" };
/** Product X of the seed's example; one of PRODUCTS, bought by about one buyer in ten. */
export const PRODUCT_X = "gid://shopify/Product/7001";
const PRODUCTS = Array.from({ length: 100 }, (_, i) => `gid://shopify/Product/${7001 + i}`);
const CITIES = [["Berlin", "DE"], ["Paris", "FR"], ["London", "GB"], ["New York", "US"], ["Toronto", "CA"], ["Madrid", "ES"]] as const;
const CONSENT = ["subscribed", "subscribed", "subscribed", "unsubscribed", "pending", "unknown"];
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

export type GeneratedProfile = { profile: BulkRow; events: BulkRow[] };

/**
 * Profile `index` of the shop and its events; `eventsPerProfile` is the mean (0 to twice it, uniformly). Events
 * fall in the last two years, so "in the last year" and "ever" differ.
 */
export function generateProfile(shopId: string, index: number, eventsPerProfile: number, seed = 20261125): GeneratedProfile {
  const random = seeded(seed ^ Math.imul(index + 1, 0x9e3779b1));
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const id = `bench-p-${index}`;
  const createdAt = new Date(SEGMENT_NOW.getTime() - 2 * YEAR_MS + Math.floor(random() * YEAR_MS));
  const birthYear = 1950 + Math.floor(random() * 56);
  const birthday = `${birthYear}-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`;
  const [city, country] = pick(CITIES);
  const properties: Record<string, unknown> = { city, country };
  if (random() < 0.9) properties.gender = random() < 0.55 ? "female" : random() < 0.95 ? "male" : "non-binary";
  if (random() < 0.8) properties.birthday = birthday;
  const events: BulkRow[] = [];
  const count = Math.floor(random() * (2 * eventsPerProfile + 1));
  let orders = 0;
  let revenue = 0n;
  let firstOrderAt: Date | null = null;
  let lastOrderAt: Date | null = null;
  const event = (name: string, occurredAt: Date, props: Record<string, unknown>, valueMinor: bigint | null, source: string) =>
    events.push({
      id: `${id}-e${events.length}`,
      shopId,
      profileId: id,
      name,
      occurredAt,
      receivedAt: occurredAt,
      properties: props,
      valueMinor,
      currency: valueMinor === null ? null : "EUR",
      source,
      sourceId: `${id}:${events.length}`,
    });
  while (events.length < count) {
    // Recent activity is denser than old: the square pulls times toward now.
    const occurredAt = new Date(SEGMENT_NOW.getTime() - Math.floor(random() ** 2 * 2 * YEAR_MS));
    const kind = random();
    if (kind < 0.12) {
      const lines = 1 + Math.floor(random() * 3);
      const products = Array.from({ length: lines }, () => (random() < 0.04 ? PRODUCT_X : pick(PRODUCTS)));
      const prices = products.map(() => 1_500 + Math.floor(random() * 12_000));
      const total = prices.reduce((a, b) => a + b, 0);
      const orderId = `gid://shopify/Order/${index * 100 + orders}`;
      event("Placed Order", occurredAt, { orderId, totalPrice: total / 100, itemCount: lines, productIds: products }, BigInt(total), "shopify_webhook");
      products.forEach((productId, i) =>
        event("Ordered Product", occurredAt, { orderId, productId, price: prices[i] / 100, quantity: 1 }, BigInt(prices[i]), "shopify_webhook"),
      );
      orders++;
      revenue += BigInt(total);
      if (!firstOrderAt || occurredAt < firstOrderAt) firstOrderAt = occurredAt;
      if (!lastOrderAt || occurredAt > lastOrderAt) lastOrderAt = occurredAt;
    } else if (kind < 0.55) {
      event("Opened Email", occurredAt, { messageId: `m-${index}-${events.length}`, flowId: "welcome" }, null, "email");
    } else if (kind < 0.7) {
      event("Clicked Email", occurredAt, { messageId: `m-${index}-${events.length}`, url: "https://shop.example/collections/new" }, null, "email");
    } else {
      event("Viewed Product", occurredAt, { productId: pick(PRODUCTS), url: "https://shop.example/products/x" }, null, "web_pixel");
    }
  }
  const rfm = rfmScores({ ordersCount: orders, revenueMinor: revenue, lastOrderAt }, SEGMENT_NOW, 100n);
  const profile: BulkRow = {
    id,
    shopId,
    email: `customer${index}@example.com`,
    emailConsent: pick(CONSENT),
    properties,
    ordersCount: orders,
    revenueMinor: revenue,
    refundedMinor: 0n,
    currency: "EUR",
    firstOrderAt,
    lastOrderAt,
    rfmRecency: rfm?.recency ?? null,
    rfmFrequency: rfm?.frequency ?? null,
    rfmMonetary: rfm?.monetary ?? null,
    rfmGroup: rfm?.group ?? null,
    leadScore: 0,
    createdAt,
    updatedAt: createdAt,
  };
  return { profile, events };
}

/** The generated rows as the in-memory evaluation reads them (for checking the counts SQL gives). */
export function asSegmentInput(g: GeneratedProfile): { profile: SegmentProfile; events: SegmentEvent[] } {
  const profile = { mergedIntoId: null, ...g.profile } as unknown as SegmentProfile;
  const events = g.events.map((e) => ({ name: e.name as string, occurredAt: e.occurredAt as Date, properties: e.properties as SegmentEvent["properties"] }));
  return { profile, events };
}
