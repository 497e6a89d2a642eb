// What deliverQueued needs to send flow and campaign emails: the preparer (rendering, discount codes) and the
// per-message headers (RFC 8058 one-click unsubscribe). Built from the environment in production and the demo;
// tests build it from explicit dependencies.
import type { Db, Message } from "../db/client.server";
import { listUnsubscribeHeaders, unsubscribeUrl } from "../domain/email/tracking-token";
import { createMessagePreparer, type DiscountIssuer, type EmailRenderDeps } from "../models/email-render.server";
import type { DeliverOptions } from "../models/messages.server";
import type { AdminGraphql } from "../services/shopify-admin.server";

export type EmailDelivery = Required<Pick<DeliverOptions, "prepare" | "headers">>;

/** The preparer and unsubscribe headers for `deps`. */
export function emailDelivery(db: Db, deps: EmailRenderDeps): EmailDelivery {
  return {
    prepare: createMessagePreparer(db, deps),
    // Every email we send is marketing: each carries its one-click unsubscribe, stable per message.
    headers: (message: Message) =>
      listUnsubscribeHeaders(unsubscribeUrl({ secret: deps.secret, appUrl: deps.appUrl, shopId: message.shopId, profileId: message.profileId, messageId: message.id })),
  };
}

/**
 * Discount codes through the shop's Admin API. A demo shop has no Shopify store behind it: its code is printed in
 * the email (so the demo shows the real layout) but exists nowhere; demo shops are refused in production.
 */
export function shopifyDiscountIssuer(adminFor: (shopDomain: string) => Promise<AdminGraphql>): DiscountIssuer {
  return async (request) => {
    if (request.shop.isDemo) return { ok: true, code: request.code, endsAt: request.endsAt };
    const { ensureDiscountCode } = await import("../services/discounts.server");
    let admin: AdminGraphql;
    try {
      admin = await adminFor(request.shop.domain);
    } catch (error) {
      return { ok: false, error: `no Admin API access: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
    }
    const result = await ensureDiscountCode(admin, {
      code: request.code,
      title: request.title,
      kind: request.kind,
      value: request.value,
      startsAt: request.startsAt,
      endsAt: request.endsAt,
      ...(request.shopifyCustomerId ? { customerId: request.shopifyCustomerId } : {}),
    });
    return result.ok ? { ok: true, code: result.code, endsAt: result.endsAt } : { ok: false, error: result.error, retryable: result.retryable };
  };
}

/** Production and demo: secrets and URLs from the environment, discounts through each shop's offline session. */
export async function emailDeliveryFromEnv(db: Db): Promise<EmailDelivery> {
  const [{ env }, { adminGraphqlForShop }] = await Promise.all([import("../env.server"), import("../services/shopify-admin.server")]);
  return emailDelivery(db, { secret: env.SESSION_SECRET, appUrl: env.SHOPIFY_APP_URL, discounts: shopifyDiscountIssuer(adminGraphqlForShop) });
}
