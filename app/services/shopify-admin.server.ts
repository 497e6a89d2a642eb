/**
 * A small Admin GraphQL client: one `request` that waits out Shopify's cost-based throttling
 * (THROTTLED errors, HTTP 429, and a bucket it knows to be nearly empty) and returns failures as values.
 */
import { createAdminApiClient } from "@shopify/admin-api-client";
import { z } from "zod";

export type AdminResult = { ok: true; data: unknown } | { ok: false; error: string; retryable: boolean };

/** What the rest of the app needs from the Admin API; tests and production differ only in how it is built. */
export interface AdminGraphql {
  request(query: string, variables?: Record<string, unknown>): Promise<AdminResult>;
}

export type FetchApi = (url: string, init?: RequestInit) => Promise<Response>;

export type AdminGraphqlOptions = {
  shop: string; // the *.myshopify.com domain
  accessToken: string;
  apiVersion: string;
  /** Replaces fetch: tests send the requests to a local server. */
  customFetchApi?: FetchApi;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Throttled or transient failures retried before giving up (the caller may retry later). */
  maxRetries?: number;
  /** Below this many points left in the bucket, wait for it to refill before sending. */
  minAvailable?: number;
};

const throttleStatusSchema = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number().positive(),
});
const costSchema = z.object({
  requestedQueryCost: z.number().nullish(),
  throttleStatus: throttleStatusSchema.nullish(),
});
type ThrottleStatus = z.output<typeof throttleStatusSchema>;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MAX_WAIT_MS = 60_000;

/** Milliseconds until the bucket holds `needed` points again, from the last status Shopify reported. */
export function throttleWaitMs(status: ThrottleStatus, needed: number, elapsedMs = 0): number {
  const available = Math.min(status.maximumAvailable, status.currentlyAvailable + (status.restoreRate * elapsedMs) / 1000);
  const target = Math.min(needed, status.maximumAvailable);
  if (available >= target) return 0;
  return Math.min(MAX_WAIT_MS, Math.ceil(((target - available) / status.restoreRate) * 1000));
}

export function createAdminGraphql(options: AdminGraphqlOptions): AdminGraphql {
  const client = createAdminApiClient({
    storeDomain: options.shop,
    apiVersion: options.apiVersion,
    accessToken: options.accessToken,
    ...(options.customFetchApi ? { customFetchApi: options.customFetchApi } : {}),
    // Without a logger the client console.warns about any version it does not know yet.
    logger: () => {},
  });
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const maxRetries = options.maxRetries ?? 5;
  let last: { status: ThrottleStatus; at: number; cost: number } | null = null;

  async function waitForBucket() {
    if (!last) return;
    const needed = Math.max(options.minAvailable ?? 0, last.cost);
    const wait = throttleWaitMs(last.status, needed, now() - last.at);
    if (wait > 0) await sleep(wait);
  }

  return {
    async request(query, variables) {
      for (let attempt = 0; ; attempt++) {
        await waitForBucket();
        const response = await client.request(query, variables ? { variables } : {});
        const cost = costSchema.safeParse(response.extensions?.cost);
        if (cost.success && cost.data.throttleStatus) {
          last = { status: cost.data.throttleStatus, at: now(), cost: cost.data.requestedQueryCost ?? last?.cost ?? 0 };
        }
        const errors = response.errors;
        if (!errors) return { ok: true, data: response.data ?? null };

        const graphQLErrors = errors.graphQLErrors ?? [];
        const throttled =
          errors.networkStatusCode === 429 || graphQLErrors.some((e) => e.extensions?.code === "THROTTLED");
        const transient = throttled || errors.networkStatusCode === undefined || errors.networkStatusCode >= 500;
        const message = describeErrors(errors.networkStatusCode, errors.message, graphQLErrors);
        if (!transient) return { ok: false, error: message, retryable: false };
        if (attempt >= maxRetries) return { ok: false, error: message, retryable: true };

        // When the cost data says how long the bucket needs, waitForBucket (top of the loop) waits exactly that.
        const refillMs = throttled && last ? throttleWaitMs(last.status, last.cost, now() - last.at) : 0;
        if (refillMs === 0) await sleep(retryAfterMs(errors.response, attempt));
      }
    },
  };
}

function retryAfterMs(response: Response | undefined, attempt: number): number {
  const header = Number(response?.headers.get("Retry-After"));
  if (Number.isFinite(header) && header > 0) return Math.min(MAX_WAIT_MS, header * 1000);
  return Math.min(MAX_WAIT_MS, 1000 * 2 ** attempt);
}

function describeErrors(status: number | undefined, message: string | undefined, graphQLErrors: Array<{ message: string }>) {
  const details = graphQLErrors.map((e) => e.message).join("; ");
  const prefix = status !== undefined ? `HTTP ${status}` : "network error";
  return [prefix, details || message].filter(Boolean).join(": ");
}

/**
 * Production: the Admin client for a shop from its stored offline session (refreshed by the SDK when it
 * expires). Imported lazily so that code taking an AdminGraphql does not load the SDK configuration.
 */
export async function adminGraphqlForShop(shopDomain: string): Promise<AdminGraphql> {
  const { unauthenticated, apiVersion } = await import("../shopify.server");
  const { session } = await unauthenticated.admin(shopDomain);
  if (!session.accessToken) throw new Error(`No offline access token stored for ${shopDomain}`);
  return createAdminGraphql({ shop: session.shop, accessToken: session.accessToken, apiVersion });
}
