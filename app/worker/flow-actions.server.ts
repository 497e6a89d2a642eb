// The flow worker's non-email actions (docs/decisions/006-flow-engine-core.md, step 2): update_profile inside the
// step's transaction; tag_customer and webhook after it commits, from a small "pending" list kept on the run's
// stored state, so a throttled or failed call is retried on a later pass under the same idempotency key.
import type { DbOrTx, Prisma } from "../db/client.server";
import type { JsonObject, JsonValue } from "../domain/events/types";
import type { Action, RunState } from "../domain/flows/run";
import { updateLeadScore } from "../models/lead-score.server";
import { changeCustomerTags, isCustomerId } from "../services/customer-tags.server";
import type { AdminGraphql } from "../services/shopify-admin.server";
import { postWebhook, webhookSecretFor, type WebhookOptions } from "../services/outgoing-webhook.server";

export type ProfileUpdateAction = Extract<Action, { kind: "update_profile" }>;
export type TagAction = Extract<Action, { kind: "tag_customer" }>;
export type WebhookAction = Extract<Action, { kind: "webhook" }>;
export type ExternalAction = TagAction | WebhookAction;

export type FlowActionDeps = {
  /** The Admin API client of a shop (production: adminGraphqlForShop, from its offline session). */
  adminFor: (shopDomain: string) => Promise<AdminGraphql>;
  /** The shop's webhook signing secret (production: HMAC of SESSION_SECRET and the shop id). */
  webhookSecret: (shopId: string) => string;
  /** Resolver, timeout; tests may pass testOverrides here (never read from the environment). */
  webhook?: WebhookOptions;
};

/** Production dependencies, loaded lazily so that the worker module does not load the Shopify SDK or env. */
export async function defaultFlowActionDeps(): Promise<FlowActionDeps> {
  const [{ adminGraphqlForShop }, { env }] = await Promise.all([import("../services/shopify-admin.server"), import("../env.server")]);
  return { adminFor: adminGraphqlForShop, webhookSecret: (shopId) => webhookSecretFor(env.SESSION_SECRET, shopId) };
}

/** What happened to one action, kept on the run's stored state (`actions`, newest last). */
export type ActionRecord = {
  key: string;
  kind: Action["kind"];
  stepId: string;
  outcome: "done" | "skipped" | "failed" | "retrying";
  detail: string | null;
  at: string;
  /** update_profile: the values it replaced (undo information). */
  previous?: Record<string, JsonValue>;
};

/** An external action still to do; `attempts` failed so far. */
export type PendingAction = { action: ExternalAction; attempts: number; nextAttemptAt: string; lastError: string | null };

/** Waits after the 1st, 2nd, ... failed attempt; after the last, the action is given up (recorded as failed). */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000];

export function isExternal(action: Action): action is ExternalAction {
  return action.kind === "tag_customer" || action.kind === "webhook";
}

// ---------------------------------------------------------------------------------------------------------------
// update_profile

/** Profile columns a flow may set; any other column name is refused (computed or identity fields). */
const WRITABLE_COLUMNS = new Set(["firstName", "lastName"]);
const PROTECTED_COLUMNS = new Set([
  "id", "shopId", "email", "phone", "shopifyCustomerId", "emailConsent", "emailConsentAt", "emailConsentSource",
  "properties", "factsAsOf", "ordersCount", "revenueMinor", "refundedMinor", "averageDaysBetweenOrders", "currency",
  "firstOrderAt", "lastOrderAt", "expectedNextOrderAt", "rfmRecency", "rfmFrequency", "rfmMonetary", "rfmGroup",
  "leadScore", "lastActiveAt", "mergedIntoId", "createdAt", "updatedAt",
]);

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Sets the properties (merged into Profile.properties, or the writable columns it names) and, with `suppress`,
 * adds the profile's email to the suppression list. Idempotent: values already set and an address already
 * suppressed are left alone, so applying the same action twice changes nothing. The Suppression row it creates
 * carries, in `source`, JSON naming the run, step and idempotency key and the `previous` values (for undo).
 */
export async function applyProfileUpdate(
  tx: DbOrTx,
  input: { shopId: string; action: ProfileUpdateAction; now: Date },
): Promise<ActionRecord> {
  const { shopId, action, now } = input;
  const record = (outcome: ActionRecord["outcome"], detail: string | null, previous?: Record<string, JsonValue>): ActionRecord => ({
    key: action.idempotencyKey, kind: action.kind, stepId: action.stepId, outcome, detail, at: now.toISOString(), ...(previous ? { previous } : {}),
  });
  const profile = await tx.profile.findUnique({
    where: { id: action.profileId },
    select: { email: true, properties: true, firstName: true, lastName: true },
  });
  if (!profile) return record("skipped", "profile_missing");

  const properties: JsonObject = isObject(profile.properties) ? { ...profile.properties } : {};
  const columns: { firstName?: string | null; lastName?: string | null } = {};
  const previous: Record<string, JsonValue> = { ...action.previous };
  const refused: string[] = [];
  let changed = false;
  for (const [key, value] of Object.entries(action.set)) {
    if (WRITABLE_COLUMNS.has(key)) {
      const column = key as "firstName" | "lastName";
      if (value !== null && typeof value !== "string") {
        refused.push(key);
        continue;
      }
      previous[key] = profile[column];
      if (profile[column] !== value) (columns[column] = value), (changed = true);
    } else if (PROTECTED_COLUMNS.has(key)) {
      refused.push(key);
    } else if (!sameJson(properties[key], value)) {
      properties[key] = value;
      changed = true;
    }
  }
  for (const key of refused) delete previous[key];
  if (changed) {
    await tx.profile.update({ where: { id: action.profileId }, data: { ...columns, properties: properties as Prisma.InputJsonValue } });
    // Property rules of lead scoring may match the new values.
    await updateLeadScore(tx, { shopId, profileId: action.profileId, events: [], profileChanged: true, now });
  }

  const details: string[] = [];
  if (refused.length > 0) details.push(`not writable: ${refused.join(", ")}`);
  if (action.suppress) {
    if (!profile.email) {
      details.push("suppress: no_email");
    } else {
      const existing = await tx.suppression.findUnique({ where: { shopId_email: { shopId, email: profile.email } } });
      if (existing) {
        details.push(existing.source?.includes(`"key":${JSON.stringify(action.idempotencyKey)}`) ? "suppressed" : `already suppressed: ${existing.reason}`);
      } else {
        const source = JSON.stringify({
          by: "flow", key: action.idempotencyKey, runId: action.runId, flowId: action.flowId, stepId: action.stepId, previous,
        });
        await tx.suppression.create({ data: { shopId, email: profile.email, reason: action.suppress.reason, source } });
        details.push("suppressed");
      }
    }
  }
  return record("done", details.length > 0 ? details.join("; ") : null, previous);
}

// ---------------------------------------------------------------------------------------------------------------
// tag_customer and webhook

export type ExternalContext = {
  shop: { id: string; domain: string };
  run: Pick<RunState, "trigger">;
  now: Date;
};

export type Attempt =
  | { status: "done"; detail: string | null }
  | { status: "skipped"; reason: string; detail: string | null }
  | { status: "retry"; error: string }
  | { status: "failed"; error: string };

/** One attempt at an external action. tagsAdd/tagsRemove are idempotent at Shopify; webhooks carry Idempotency-Key. */
export async function performExternal(db: DbOrTx, deps: FlowActionDeps, action: ExternalAction, context: ExternalContext): Promise<Attempt> {
  const profile = await db.profile.findUnique({ where: { id: action.profileId }, select: { id: true, email: true, shopifyCustomerId: true } });
  if (!profile) return { status: "skipped", reason: "profile_missing", detail: null };
  return action.kind === "tag_customer" ? tagCustomer(deps, action, profile, context) : sendWebhook(deps, action, profile, context);
}

async function tagCustomer(deps: FlowActionDeps, action: TagAction, profile: { shopifyCustomerId: string | null }, context: ExternalContext): Promise<Attempt> {
  if (!profile.shopifyCustomerId) return { status: "skipped", reason: "no_shopify_customer", detail: null };
  if (!isCustomerId(profile.shopifyCustomerId)) return { status: "skipped", reason: "no_shopify_customer", detail: "invalid customer id" };
  let admin: AdminGraphql;
  try {
    admin = await deps.adminFor(context.shop.domain);
  } catch (error) {
    return { status: "retry", error: `admin client: ${(error as Error).message}` };
  }
  const result = await changeCustomerTags(admin, profile.shopifyCustomerId, action.add, action.remove);
  if (result.ok) return { status: "done", detail: result.detail };
  return result.retryable ? { status: "retry", error: result.error } : { status: "failed", error: result.error };
}

/** The JSON a flow webhook sends (the step's own `body`, if any, under `data`). */
export function webhookPayload(action: WebhookAction, profile: { id: string; email: string | null }, context: ExternalContext): JsonObject {
  return {
    event: { id: context.run.trigger.id, name: context.run.trigger.name, occurredAt: context.run.trigger.occurredAt },
    profile: { id: profile.id, email: profile.email },
    flow: { id: action.flowId, version: action.version, runId: action.runId },
    step: { id: action.stepId, variant: action.variant },
    idempotencyKey: action.idempotencyKey,
    sentAt: context.now.toISOString(),
    data: action.body,
  };
}

async function sendWebhook(deps: FlowActionDeps, action: WebhookAction, profile: { id: string; email: string | null }, context: ExternalContext): Promise<Attempt> {
  const body = JSON.stringify(webhookPayload(action, profile, context));
  const result = await postWebhook(
    { url: action.url, body, secret: deps.webhookSecret(context.shop.id), idempotencyKey: action.idempotencyKey },
    deps.webhook,
  );
  if (result.ok) return { status: "done", detail: `HTTP ${result.status}` };
  if (result.refused) return { status: "skipped", reason: "webhook_refused", detail: `${result.reason} (${result.url})` };
  return result.retryable ? { status: "retry", error: result.error } : { status: "failed", error: result.error };
}

/** The pending entry after a failed attempt, or null when it is given up. */
export function afterFailure(entry: PendingAction, error: string, now: Date): PendingAction | null {
  const delay = RETRY_DELAYS_MS[entry.attempts];
  if (delay === undefined) return null;
  return { ...entry, attempts: entry.attempts + 1, nextAttemptAt: new Date(now.getTime() + delay).toISOString(), lastError: error };
}

function isObject(json: unknown): json is JsonObject {
  return json !== null && typeof json === "object" && !Array.isArray(json);
}
