/**
 * The demo shop's catalogue and customers with their order history, as pure data: the seed writes it, and the
 * simulated month (schedule.ts) draws its shoppers from the same list, so both agree on every id and email.
 */
import { toMinorUnits } from "../domain/money";
import { addOrder, EMPTY_ORDER_STATS, type OrderStats } from "../domain/profiles/order-stats";
import { DEMO_PRODUCTS, FIRST_NAMES, LAST_NAMES } from "./catalogue";
import { seededRandom } from "./random";

export const DEMO_CURRENCY = "USD";
export const DEMO_TIMEZONE = "America/New_York";
/** Shopify ids are 64-bit; starting past 2^53 keeps the demo honest about string ids. */
export const DEMO_ID_BASE = 9_007_199_254_740_993n;
export const DEMO_HISTORY_SEED = 20261124;
export const DEMO_CUSTOMER_COUNT = 240;
const DAY_MS = 86_400_000;

export type DemoProduct = { shopifyProductId: string; variantId: string; handle: string; title: string; productType: string; priceMinor: bigint };
export type DemoConsent = "subscribed" | "unsubscribed" | "unknown";
export type DemoOrder = { orderId: string; name: string; placedAt: Date; lines: Array<{ product: DemoProduct; quantity: number }>; totalMinor: bigint };
export type DemoCustomer = {
  index: number;
  profileId: string;
  customerId: string;
  email: string;
  firstName: string;
  lastName: string;
  consent: DemoConsent;
  joinedAt: Date;
  orders: DemoOrder[];
  stats: OrderStats;
};

/** The catalogue with its Shopify ids (one variant per product). */
export function demoProducts(): DemoProduct[] {
  return DEMO_PRODUCTS.map((p, i) => {
    const productId = DEMO_ID_BASE + 1000n + BigInt(i);
    return {
      shopifyProductId: productId.toString(),
      variantId: (productId + 500n).toString(),
      handle: p.handle,
      title: p.title,
      productType: p.type,
      priceMinor: toMinorUnits(p.price, DEMO_CURRENCY),
    };
  });
}

/**
 * The seeded customers and their orders up to `now`. Deterministic for (seed, count); `now` only moves dates, so
 * names, emails, ids and consent are the same whenever the history is built.
 */
export function demoHistory(options: { now: Date; customers?: number; seed?: number }): DemoCustomer[] {
  const { now } = options;
  const random = seededRandom(options.seed ?? DEMO_HISTORY_SEED);
  const products = demoProducts();
  const customers: DemoCustomer[] = [];
  let orderNumber = 1001;
  for (let i = 0; i < (options.customers ?? DEMO_CUSTOMER_COUNT); i++) {
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const joinedAt = new Date(now.getTime() - random.int(5, 365) * DAY_MS - random.int(0, DAY_MS));
    const consent: DemoConsent = random.chance(0.7) ? "subscribed" : random.chance(0.5) ? "unsubscribed" : "unknown";
    const orders: DemoOrder[] = [];
    let stats: OrderStats = EMPTY_ORDER_STATS;
    const orderCount = random.chance(0.35) ? 0 : random.int(1, 5);
    for (let o = 0; o < orderCount; o++) {
      const placedAt = new Date(joinedAt.getTime() + random.next() * (now.getTime() - joinedAt.getTime()));
      const orderId = (DEMO_ID_BASE + 5_000_000n + BigInt(orderNumber)).toString();
      const lines = Array.from({ length: random.int(1, 3) }, () => ({ product: random.pick(products), quantity: random.chance(0.8) ? 1 : 2 }));
      const totalMinor = lines.reduce((sum, l) => sum + l.product.priceMinor * BigInt(l.quantity), 0n);
      orders.push({ orderId, name: `#${orderNumber++}`, placedAt, lines, totalMinor });
      stats = addOrder(stats, { placedAt, totalMinor });
    }
    customers.push({
      index: i,
      profileId: `demo_profile_${i}`,
      customerId: (DEMO_ID_BASE + 100_000n + BigInt(i)).toString(),
      email: `${firstName}.${lastName}.${i}@example.com`.toLowerCase(),
      firstName,
      lastName,
      consent,
      joinedAt,
      orders,
      stats,
    });
  }
  return customers;
}
