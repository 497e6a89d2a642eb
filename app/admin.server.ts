import { redirect } from "@remix-run/node";
import db from "./db.server";
import { readDemoShop } from "./demo/session.server";
import { isDemoLoginEnabled } from "./env.server";
import { ensureShop } from "./models/shop.server";
import { authenticate } from "./shopify.server";

/**
 * The shop a dashboard request acts for: from Shopify's session token when embedded,
 * from the demo cookie in demo mode. Every dashboard loader starts here and scopes its queries by shop.id.
 */
export async function requireShop(request: Request) {
  if (isDemoLoginEnabled()) {
    const shop = await readDemoShop(db, request);
    if (!shop) throw redirect("/demo/login");
    return { shop, mode: "demo" as const };
  }
  const { session } = await authenticate.admin(request);
  const shop = await ensureShop(db, session.shop);
  return { shop, mode: "embedded" as const };
}
