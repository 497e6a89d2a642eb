import { createHmac, randomUUID } from "node:crypto";
import type { Db } from "../db/client.server";
import { FIRST_NAMES, LAST_NAMES } from "./catalogue";
import { seededRandom } from "./random";
import { checkoutPayload, customerCreatedPayload, orderCreatedPayload, type DemoCustomer, type DemoLine } from "./shopify-payloads";

type TrafficOptions = { appUrl: string; shopDomain: string; apiSecret: string; intervalMs?: number; seed?: number };

/**
 * The demo's stand-in for Shopify: signed webhook deliveries of new checkouts, orders and subscribers for the
 * demo shop, POSTed to the running app exactly as Shopify would, so the dashboard moves as a real shop's would.
 */
export async function startDemoTraffic(db: Db, options: TrafficOptions) {
  const random = seededRandom(options.seed ?? Date.now() % 2 ** 31);
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: options.shopDomain }, include: { products: true } });
  const people = await db.profile.findMany({
    where: { shopId: shop.id, shopifyCustomerId: { not: null }, email: { not: null } },
    select: { shopifyCustomerId: true, email: true, firstName: true, lastName: true },
  });
  const customers: DemoCustomer[] = people.map((p) => ({
    id: p.shopifyCustomerId ?? "",
    email: p.email ?? "",
    firstName: p.firstName ?? "",
    lastName: p.lastName ?? "",
  }));
  const idBase = 9_100_000_000_000_000_000n + BigInt(Date.now()) * 1000n;
  let sequence = 0;
  const nextId = () => (idBase + BigInt(++sequence)).toString();

  const send = async (topic: string, body: string) => {
    const response = await fetch(new URL(`/webhooks/${topic}`, options.appUrl), {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": options.shopDomain,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": randomUUID(),
        "X-Shopify-Event-Id": randomUUID(),
        "X-Shopify-Triggered-At": new Date().toISOString(),
        "X-Shopify-Hmac-Sha256": createHmac("sha256", options.apiSecret).update(body).digest("base64"),
      },
    });
    if (!response.ok) console.warn(`demo traffic: ${topic} answered ${response.status}`);
  };

  const basket = (): DemoLine[] =>
    Array.from({ length: random.int(1, 3) }, () => {
      const product = random.pick(shop.products);
      return {
        productId: product.shopifyProductId,
        variantId: (BigInt(product.shopifyProductId) + 500n).toString(),
        title: product.title,
        priceMinor: product.priceMinor,
        quantity: random.chance(0.8) ? 1 : 2,
      };
    });

  // One simulated moment of store activity: a checkout that converts, one left behind, or a new subscriber.
  const tick = async () => {
    const now = new Date();
    const roll = random.next();
    if (roll < 0.2 || customers.length === 0) {
      const firstName = random.pick(FIRST_NAMES);
      const lastName = random.pick(LAST_NAMES);
      const customer = { id: nextId(), firstName, lastName, email: `${firstName}.${lastName}.${sequence}@example.com`.toLowerCase() };
      customers.push(customer);
      await send("customers/create", customerCreatedPayload(customer, now));
      return;
    }
    const customer = random.pick(customers);
    const lines = basket();
    const token = randomUUID().replaceAll("-", "");
    await send("checkouts/create", checkoutPayload(token, customer, lines, now, options.shopDomain));
    if (roll < 0.75) {
      await send("orders/create", orderCreatedPayload(nextId(), 5000 + sequence, customer, lines, now, token));
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await tick().catch((error) => console.warn("demo traffic:", error instanceof Error ? error.message : error));
    if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 4000);
  };
  void loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
