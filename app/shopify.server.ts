import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";
import db from "./db.server";
import { env } from "./env.server";
import { onShopInstalled } from "./models/install.server";
import { createAdminGraphql } from "./services/shopify-admin.server";

/** The one place the Shopify SDK is configured. */
export const apiVersion = ApiVersion.July26;

const shopify = shopifyApp({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion,
  scopes: env.SCOPES,
  appUrl: env.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // The generated client is structurally what the storage expects; its typings name the old client.
  sessionStorage: new PrismaSessionStorage(db as unknown as ConstructorParameters<typeof PrismaSessionStorage>[0]),
  distribution: AppDistribution.AppStore,
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  hooks: {
    afterAuth: async ({ session }) => {
      if (!session.accessToken) throw new Error(`OAuth for ${session.shop} returned no access token`);
      const admin = createAdminGraphql({ shop: session.shop, accessToken: session.accessToken, apiVersion });
      await onShopInstalled(db, session.shop, admin, env.SHOPIFY_APP_URL);
    },
  },
  ...(env.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [env.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;

/**
 * The bare API library, for verifying webhook HMACs on the hot path: authenticate.webhook also loads (and may
 * refresh over the network) the shop's offline session, which accepting a delivery into the inbox never needs.
 */
export const shopifyApiLibrary = shopifyApi({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion,
  scopes: env.SCOPES,
  hostName: new URL(env.SHOPIFY_APP_URL).host,
  hostScheme: new URL(env.SHOPIFY_APP_URL).protocol === "http:" ? "http" : "https",
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
});
