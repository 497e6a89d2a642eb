import db from "../../app/db.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import * as checkoutsCreate from "../../app/routes/webhooks.checkouts.create";
import * as checkoutsUpdate from "../../app/routes/webhooks.checkouts.update";
import * as customersCreate from "../../app/routes/webhooks.customers.create";
import * as customersDelete from "../../app/routes/webhooks.customers.delete";
import * as customersUpdate from "../../app/routes/webhooks.customers.update";
import * as consentUpdate from "../../app/routes/webhooks.customers_email_marketing_consent.update";
import * as ordersCancelled from "../../app/routes/webhooks.orders.cancelled";
import * as ordersCreate from "../../app/routes/webhooks.orders.create";
import * as ordersFulfilled from "../../app/routes/webhooks.orders.fulfilled";
import * as ordersPaid from "../../app/routes/webhooks.orders.paid";
import * as ordersUpdated from "../../app/routes/webhooks.orders.updated";
import * as refundsCreate from "../../app/routes/webhooks.refunds.create";
import * as returnsApprove from "../../app/routes/webhooks.returns.approve";
import * as returnsClose from "../../app/routes/webhooks.returns.close";
import * as returnsRequest from "../../app/routes/webhooks.returns.request";
import { callRoute } from "./remix";
import { webhookRequest } from "./shopify";

/** Each topic's real route module, as Remix would call it. */
export const WEBHOOK_ROUTES = {
  "orders/create": ordersCreate,
  "orders/paid": ordersPaid,
  "orders/updated": ordersUpdated,
  "orders/cancelled": ordersCancelled,
  "orders/fulfilled": ordersFulfilled,
  "refunds/create": refundsCreate,
  "checkouts/create": checkoutsCreate,
  "checkouts/update": checkoutsUpdate,
  "returns/request": returnsRequest,
  "returns/approve": returnsApprove,
  "returns/close": returnsClose,
  "customers/create": customersCreate,
  "customers/update": customersUpdate,
  "customers/delete": customersDelete,
  "customers_email_marketing_consent/update": consentUpdate,
} as const;

export type RoutedTopic = keyof typeof WEBHOOK_ROUTES;

type DeliverOptions = { shop: string; secret?: string | null; webhookId?: string; triggeredAt?: string; topicHeader?: string };

/** POSTs a signed delivery to the topic's route; returns the HTTP status Shopify would see. */
export async function deliver(topic: RoutedTopic, body: string, options: DeliverOptions): Promise<number> {
  const request = webhookRequest({ topic: options.topicHeader ?? topic, body, ...options });
  const response = await callRoute(WEBHOOK_ROUTES[topic].action, request);
  if (!(response instanceof Response)) throw new Error("a webhook route must answer with a Response");
  return response.status;
}

/** Drains the inbox until it is empty (the worker's own loop, without timers). */
export async function drainAll(now = () => new Date()) {
  let total = 0;
  for (;;) {
    const { claimed } = await drainInboxOnce(db, { now });
    total += claimed;
    if (claimed === 0) return total;
  }
}

/** Every table's row count: "nothing written" means this does not change. */
export async function rowCounts() {
  const [inbox, events, profiles, identities, orders] = await Promise.all([
    db.inboxEntry.count(),
    db.event.count(),
    db.profile.count(),
    db.profileIdentity.count(),
    db.orderState.count(),
  ]);
  return { inbox, events, profiles, identities, orders };
}
