import { createHmac } from "node:crypto";

/**
 * The query Shopify's app proxy adds to a forwarded request, signed as Shopify signs it
 * (https://shopify.dev/docs/apps/build/online-store/app-proxies/authenticate-app-proxies): every parameter but
 * `signature`, sorted by name, as "name=value" (repeated names joined with ","), concatenated without separators,
 * HMAC-SHA256 with the app's API secret, hex.
 */
export function appProxyQuery(
  shop: string,
  options: { secret?: string; timestamp?: number; loggedInCustomerId?: string; extra?: Record<string, string>; pathPrefix?: string } = {},
): URLSearchParams {
  const params: Record<string, string> = {
    ...options.extra,
    shop,
    logged_in_customer_id: options.loggedInCustomerId ?? "",
    path_prefix: options.pathPrefix ?? "/apps/shop-flows",
    timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
  };
  const message = Object.keys(params)
    .sort((a, b) => a.localeCompare(b))
    .map((key) => `${key}=${params[key]}`)
    .join("");
  const signature = createHmac("sha256", options.secret ?? process.env.SHOPIFY_API_SECRET!).update(message).digest("hex");
  return new URLSearchParams({ ...params, signature });
}
