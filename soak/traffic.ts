import { randomUUID } from "node:crypto";
import type { WebhookTopic } from "../app/domain/events/normalize";
import { demoProducts } from "../app/demo/history";
import {
  checkoutPayload,
  consentUpdatePayload,
  customerCreatedPayload,
  orderCreatedPayload,
  pixelAddedToCart,
  pixelProductViewed,
  refundPayload,
  type DemoBuyer,
  type DemoLine,
  type DemoOrderInput,
} from "../app/demo/shopify-payloads";
import { seeded } from "../bench/lib";

/**
 * The soak's shop life, in Shopify's payload shapes (app/demo/shopify-payloads.ts), on the real clock: shoppers who
 * subscribe, shoppers who browse (web pixel) and start checkouts, about half of whom order a little later, some
 * orders refunded. Each journey is a list of deliveries due at given instants; the runner sends them.
 */
export type Delivery =
  | { atMs: number; kind: "webhook"; topic: WebhookTopic; webhookId: string; body: string; triggeredAt: Date; email: string }
  | { atMs: number; kind: "pixel"; body: string };

const SECOND = 1000;

export function createSoakTraffic(options: { seed: number; shopDomain: string; ingestKey: string }) {
  const random = seeded(options.seed);
  const products = demoProducts();
  const subscribers: DemoBuyer[] = [];
  let sequence = 0;
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];

  function newBuyer(): DemoBuyer {
    const n = ++sequence;
    return { id: String(7_100_000_000_000n + BigInt(n)), email: `soak${n}@example.com`, firstName: `Soak${n}`, lastName: "Shopper" };
  }

  function webhook(atMs: number, topic: WebhookTopic, body: string, email: string): Delivery {
    return { atMs, kind: "webhook", topic, webhookId: randomUUID(), body, triggeredAt: new Date(atMs), email };
  }

  function pixel(atMs: number, buyer: DemoBuyer, body: (common: { eventId: string; at: Date; clientId: string; shopDomain: string; ingestKey: string }) => string): Delivery {
    const common = { eventId: randomUUID(), at: new Date(atMs), clientId: `soak-client-${buyer.id}`, shopDomain: options.shopDomain, ingestKey: options.ingestKey };
    return { atMs, kind: "pixel", body: body(common) };
  }

  /** A new customer, then their consent to email marketing a second later (the welcome series starts there). */
  function subscribe(now: number): Delivery[] {
    const buyer = newBuyer();
    subscribers.push(buyer);
    return [
      webhook(now, "customers/create", customerCreatedPayload(buyer, new Date(now)), buyer.email),
      webhook(now + SECOND, "customers_email_marketing_consent/update", consentUpdatePayload(buyer, new Date(now + SECOND), "subscribed"), buyer.email),
    ];
  }

  /** Product views and an add to cart, a checkout, and in 45 % an order 20 s to 1.5 min later (15 % of those refunded). */
  function checkout(now: number): Delivery[] {
    // Mostly subscribers (their cart reminders are the emails at stake), some shoppers without consent.
    const buyer = subscribers.length > 0 && random() < 0.8 ? pick(subscribers) : newBuyer();
    const product = pick(products);
    const line: DemoLine = { productId: product.shopifyProductId, variantId: product.variantId, title: product.title, priceMinor: product.priceMinor, quantity: 1 + Math.floor(random() * 2) };
    const token = randomUUID().replaceAll("-", "");
    const out: Delivery[] = [
      pixel(now, buyer, (p) => pixelProductViewed(p, product)),
      pixel(now + 3 * SECOND, buyer, (p) => pixelAddedToCart(p, product, line.quantity)),
      webhook(now + 6 * SECOND, "checkouts/create", checkoutPayload(token, buyer, [line], { createdAt: new Date(now + 6 * SECOND) }, options.shopDomain), buyer.email),
    ];
    if (random() < 0.45) {
      const n = ++sequence;
      const placedAt = now + 6 * SECOND + (20 + Math.floor(random() * 70)) * SECOND;
      const order: DemoOrderInput = {
        orderId: String(7_200_000_000_000n + BigInt(n)),
        orderNumber: 10_000 + n,
        customer: buyer,
        lines: [line],
        placedAt: new Date(placedAt),
        checkoutToken: token,
        lineIdBase: 7_300_000_000_000n + BigInt(n) * 100n,
      };
      out.push(webhook(placedAt, "orders/create", orderCreatedPayload(order), buyer.email));
      if (random() < 0.15) {
        const at = placedAt + 40 * SECOND;
        const refund = { refundId: String(7_400_000_000_000n + BigInt(n)), at: new Date(at), lineIndexes: [0], idBase: 7_500_000_000_000n + BigInt(n) * 100n, note: "Soak refund" };
        out.push(webhook(at, "refunds/create", refundPayload(order, refund), buyer.email));
      }
    }
    return out;
  }

  /** A subscriber looking at a few products (browse abandonment's trigger, when the pixel knows them). */
  function browse(now: number): Delivery[] {
    const buyer = subscribers.length > 0 ? pick(subscribers) : newBuyer();
    return [0, 1, 2].map((i) => pixel(now + i * 4 * SECOND, buyer, (p) => pixelProductViewed(p, pick(products))));
  }

  return {
    /** One journey starting at `now`: a quarter subscriptions, half checkouts, a quarter browsing. */
    journey(now: number): Delivery[] {
      const r = random();
      return r < 0.25 ? subscribe(now) : r < 0.75 ? checkout(now) : browse(now);
    },
    /** 0 to 1, the same sequence every run: for the runner's own choices (duplicates, late deliveries, opens). */
    random,
  };
}
