// Performs the queued Shopify writes (app/models/shopify-tasks.server.ts): consent changes, signups and the
// sales-ready tag, and the sales-ready CRM webhook (signed, public addresses only: outgoing-webhook.server.ts). Each task
// is claimed with a lease (a compare-and-set on leaseUntil, which is then the claim's fencing token), performed
// with its own shop's Admin client, and marked done, retried with backoff, or given up as failed.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db, ShopifyTask } from "../db/client.server";
import type { ShopifyTaskKind } from "../models/shopify-tasks.server";
import { SALES_READY_EVENT } from "../domain/scoring/rules";
import { updateEmailMarketingConsent, upsertSubscribedCustomer, type ConsentResult } from "../services/customer-consent.server";
import { changeCustomerTags, isCustomerId } from "../services/customer-tags.server";
import { postWebhook, type WebhookOptions } from "../services/outgoing-webhook.server";
import type { AdminGraphql } from "../services/shopify-admin.server";
import { retryDelayMs } from "../domain/retry";
import { startLoop } from "./loop";

export { retryDelayMs };

export type ShopifyTaskOptions = {
  /** The shop's Admin API client (production: adminGraphqlForShop). */
  adminFor: (shopDomain: string) => Promise<AdminGraphql>;
  now?: () => Date;
  /** Names this worker in logs. */
  owner?: string;
  /** Tasks performed per round, at most. */
  limit?: number;
  /** How long a claimed task is this worker's; a crashed worker's tasks are taken again after it. */
  leaseMs?: number;
  /** Attempts before a task that keeps failing is given up. */
  maxAttempts?: number;
  /** The shop's webhook signing secret (production: webhookSecretFor(SESSION_SECRET, shopId)); CRM webhooks wait without it. */
  webhookSecret?: (shopId: string) => string;
  /** Resolver and timeout for CRM webhooks; tests pass testOverrides here (never read from the environment). */
  webhook?: WebhookOptions;
};

export type ShopifyTaskSummary = { claimed: number; done: number; retried: number; failed: number; skipped: number };

const isoInstant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const consentPayload = z.object({
  profileId: z.string().min(1),
  shopifyCustomerId: z.string().regex(/^\d{1,20}$/).nullish(),
  email: z.email().max(320).nullable(),
  state: z.enum(["subscribed", "unsubscribed"]),
  at: isoInstant,
});
const upsertPayload = z.object({
  profileId: z.string().min(1).nullish(),
  email: z.email().max(320),
  firstName: z.string().max(255).nullish(),
  lastName: z.string().max(255).nullish(),
  at: isoInstant,
  /** "confirmed" for a double opt-in signup (the person clicked the confirmation link). */
  optIn: z.enum(["single", "confirmed"]).default("single"),
});
const tagPayload = z.object({
  profileId: z.string().min(1),
  add: z.array(z.string().min(1).max(255)).min(1).max(20),
});
const crmWebhookPayload = z.object({
  profileId: z.string().min(1),
  eventId: z.string().min(1),
  url: z.string().max(2048),
  occurredAt: z.iso.datetime({ offset: true }),
  score: z.number(),
  threshold: z.number(),
});
/** The payloads enqueueShopifyTask callers store, per kind. */
export type ConsentUpdatePayload = z.input<typeof consentPayload>;
export type CustomerUpsertPayload = z.input<typeof upsertPayload>;
export type CustomerTagPayload = z.input<typeof tagPayload>;
export type CrmWebhookPayload = z.input<typeof crmWebhookPayload>;

const DEFAULT_LEASE_MS = 5 * 60_000;
const DEFAULT_MAX_ATTEMPTS = 10;

type Outcome =
  | { status: "done"; detail: string }
  | { status: "skipped"; detail: string }
  | { status: "retry"; error: string }
  | { status: "failed"; error: string };

const fromResult = (result: ConsentResult): Outcome =>
  result.ok
    ? { status: "done", detail: result.detail }
    : result.retryable
      ? { status: "retry", error: result.error }
      : { status: "failed", error: result.error };

/** Claims one due task: the first candidate whose lease this call manages to set. */
async function claimNext(db: Db, now: Date, leaseMs: number): Promise<ShopifyTask | null> {
  const candidates = await db.shopifyTask.findMany({
    where: { status: "pending", nextAttemptAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }],
    take: 10,
    select: { id: true, leaseUntil: true },
  });
  const leaseUntil = new Date(now.getTime() + leaseMs);
  for (const candidate of candidates) {
    // Fenced on the lease we saw: of two claimers, only the first write matches.
    const { count } = await db.shopifyTask.updateMany({
      where: { id: candidate.id, status: "pending", nextAttemptAt: { lte: now }, leaseUntil: candidate.leaseUntil },
      data: { leaseUntil },
    });
    if (count === 1) return db.shopifyTask.findUnique({ where: { id: candidate.id } });
  }
  return null;
}

const PAYLOADS = {
  consent_update: consentPayload,
  customer_upsert: upsertPayload,
  customer_tag: tagPayload,
  crm_webhook: crmWebhookPayload,
} satisfies Record<ShopifyTaskKind, z.ZodType>;

type Parsed =
  | { [K in ShopifyTaskKind]: { ok: true; kind: K; payload: z.output<(typeof PAYLOADS)[K]> } }[ShopifyTaskKind]
  | { ok: false; error: string };

function parsePayload(task: ShopifyTask): Parsed {
  if (!Object.hasOwn(PAYLOADS, task.kind)) return { ok: false, error: `unknown task kind: ${task.kind}` };
  const kind = task.kind as ShopifyTaskKind;
  const parsed = PAYLOADS[kind].safeParse(task.payload);
  if (!parsed.success) return { ok: false, error: `invalid payload: ${z.prettifyError(parsed.error)}` };
  return { ok: true, kind, payload: parsed.data } as Parsed;
}

async function perform(db: Db, task: ShopifyTask, admins: Map<string, Promise<AdminGraphql>>, options: ShopifyTaskOptions): Promise<Outcome> {
  const shop = await db.shop.findUnique({ where: { id: task.shopId }, select: { domain: true, uninstalledAt: true, isDemo: true } });
  if (!shop || shop.uninstalledAt) return { status: "failed", error: "shop_uninstalled" };
  const parsed = parsePayload(task);
  // A demo shop has no Shopify store behind it: nothing to write there (its CRM webhook is the merchant's own URL).
  if (shop.isDemo && !(parsed.ok && parsed.kind === "crm_webhook")) return { status: "skipped", detail: "demo_shop" };
  if (!parsed.ok) return { status: "failed", error: parsed.error };
  const profileId = parsed.payload.profileId;
  const profile = profileId
    ? await db.profile.findFirst({ where: { id: profileId, shopId: task.shopId }, select: { id: true, email: true, firstName: true, lastName: true, shopifyCustomerId: true } })
    : null;
  if (profileId && !profile) {
    // Erased (customers/redact) since it was queued: nothing of that person goes to Shopify (or a CRM) any more.
    return { status: "skipped", detail: "profile_missing" };
  }
  if (parsed.kind === "crm_webhook") return sendCrmWebhook(task, shop.domain, parsed.payload, profile!, options);
  if (parsed.kind === "customer_tag" && !isCustomerId(profile!.shopifyCustomerId)) return { status: "skipped", detail: "no_shopify_customer" };

  let admin: AdminGraphql;
  try {
    if (!admins.has(shop.domain)) admins.set(shop.domain, options.adminFor(shop.domain));
    admin = await admins.get(shop.domain)!;
  } catch (error) {
    admins.delete(shop.domain);
    return { status: "retry", error: `admin client: ${error instanceof Error ? error.message : String(error)}` };
  }

  switch (parsed.kind) {
    case "consent_update": {
      const p = parsed.payload;
      return fromResult(await updateEmailMarketingConsent(admin, { shopifyCustomerId: p.shopifyCustomerId ?? null, email: p.email, state: p.state, at: p.at }));
    }
    case "customer_upsert": {
      const p = parsed.payload;
      return fromResult(await upsertSubscribedCustomer(admin, { email: p.email, firstName: p.firstName ?? null, lastName: p.lastName ?? null, at: p.at, optIn: p.optIn }));
    }
    case "customer_tag": {
      const result = await changeCustomerTags(admin, profile!.shopifyCustomerId!, parsed.payload.add, []);
      return result.ok ? { status: "done", detail: result.detail ?? "" } : fromResult(result);
    }
  }
}

type CrmProfile = { id: string; email: string | null; firstName: string | null; lastName: string | null; shopifyCustomerId: string | null };

/** The sales-ready hand-off to the shop's CRM: signed JSON, its task key as Idempotency-Key, public addresses only. */
async function sendCrmWebhook(
  task: ShopifyTask,
  shopDomain: string,
  payload: z.output<typeof crmWebhookPayload>,
  profile: CrmProfile,
  options: ShopifyTaskOptions,
): Promise<Outcome> {
  if (!options.webhookSecret) return { status: "retry", error: "no webhook signing secret configured" };
  const body = JSON.stringify({
    event: { id: payload.eventId, name: SALES_READY_EVENT, occurredAt: payload.occurredAt },
    shop: shopDomain,
    profile: { id: profile.id, email: profile.email, firstName: profile.firstName, lastName: profile.lastName, shopifyCustomerId: profile.shopifyCustomerId },
    score: payload.score,
    threshold: payload.threshold,
    idempotencyKey: task.key,
  });
  const result = await postWebhook({ url: payload.url, body, secret: options.webhookSecret(task.shopId), idempotencyKey: task.key }, options.webhook);
  if (result.ok) return { status: "done", detail: `HTTP ${result.status}` };
  // A name that does not resolve may resolve later; an address that is not public never becomes one.
  if (result.refused) return { status: result.reason.startsWith("dns_failed") ? "retry" : "failed", error: `refused: ${result.reason} (${withoutQuery(result.url)})` };
  return result.retryable ? { status: "retry", error: result.error } : { status: "failed", error: result.error };
}

/** A URL fit for logs and stored errors: CRM addresses often carry an API key in their query. */
function withoutQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/** Records the outcome, only while the lease is still ours (else another worker owns the task now). */
async function settle(db: Db, task: ShopifyTask, outcome: Outcome, now: Date, maxAttempts: number) {
  const attempts = task.attempts + 1;
  const ours = { id: task.id, status: "pending", leaseUntil: task.leaseUntil };
  if (outcome.status === "done" || outcome.status === "skipped") {
    const { count } = await db.shopifyTask.updateMany({ where: ours, data: { status: "done", doneAt: now, attempts, leaseUntil: null, lastError: null } });
    return count === 1 ? outcome.status : "lost";
  }
  const giveUp = outcome.status === "failed" || attempts >= maxAttempts;
  const { count } = await db.shopifyTask.updateMany({
    where: ours,
    data: giveUp
      ? { status: "failed", attempts, leaseUntil: null, lastError: outcome.error.slice(0, 2000) }
      : { attempts, leaseUntil: null, nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)), lastError: outcome.error.slice(0, 2000) },
  });
  return count === 1 ? (giveUp ? "failed" : "retried") : "lost";
}

/**
 * One round: claims due tasks one at a time (so a lease covers only the task in progress), performs each with its
 * shop's Admin client and records done, a retry with exponential backoff, or failed. Returns what happened.
 */
export async function runShopifyTasksOnce(db: Db, options: ShopifyTaskOptions): Promise<ShopifyTaskSummary> {
  const now = options.now ?? (() => new Date());
  const owner = options.owner ?? `shopify-tasks-${randomUUID()}`;
  const limit = options.limit ?? 25;
  const summary: ShopifyTaskSummary = { claimed: 0, done: 0, retried: 0, failed: 0, skipped: 0 };
  // One client per shop and round: it remembers the shop's throttle bucket between tasks.
  const admins = new Map<string, Promise<AdminGraphql>>();
  while (summary.claimed < limit) {
    const task = await claimNext(db, now(), options.leaseMs ?? DEFAULT_LEASE_MS);
    if (!task) break;
    summary.claimed++;
    let outcome: Outcome;
    try {
      outcome = await perform(db, task, admins, options);
    } catch (error) {
      outcome = { status: "retry", error: error instanceof Error ? error.message : String(error) };
    }
    const settled = await settle(db, task, outcome, now(), options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    if (settled === "lost") {
      console.warn(`${owner}: lease on shopify task ${task.id} expired before it finished; left to its new owner`);
      continue;
    }
    summary[settled]++;
    if ("error" in outcome) {
      console.warn(`${owner}: shopify task ${task.kind} ${task.id} ${settled} (attempt ${task.attempts + 1}): ${outcome.error}`);
    }
  }
  return summary;
}

/** Runs rounds continuously: a full round goes straight on, otherwise the next waits `idleMs`. */
export function startShopifyTaskWorker(db: Db, options: ShopifyTaskOptions & { idleMs?: number }) {
  const limit = options.limit ?? 25;
  return startLoop("shopify task worker", async () => (await runShopifyTasksOnce(db, options)).claimed >= limit, options.idleMs ?? 2_000);
}
