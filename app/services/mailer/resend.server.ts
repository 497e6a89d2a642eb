// The Resend mailer: batches through POST /emails/batch (one email: POST /emails), paced by a shared rate limiter,
// retried with backoff on 429, 5xx and timeouts, and keyed so that a retry is never a second send.
import { createHash } from "node:crypto";
import { Resend } from "resend";
import { z } from "zod";
import type { Env } from "../../env.schema";
import { createOutboxMailer } from "./outbox.server";
import { DEFAULT_REQUESTS_PER_SECOND, rateLimitKey, sharedSendRateLimiter, sleep, type SendRateLimiter } from "./rate-limiter.server";
import type { Mailer, OutgoingEmail, SendResult } from "./types";

/** Resend's limit for /emails/batch. */
export const RESEND_MAX_BATCH = 100;
const MAX_KEY_LENGTH = 256;

export type ResendMailerOptions = {
  apiKey: string;
  /** Another API host (tests: a local fake); default RESEND_BASE_URL, then https://api.resend.com. */
  baseUrl?: string;
  /** Ignored when rateLimiter is given. */
  requestsPerSecond?: number;
  /** Default: this process's limiter for the rate, shared by every mailer using the same API key. */
  rateLimiter?: SendRateLimiter;
  /** A request without an answer by then is abandoned and retried under the same idempotency key. */
  timeoutMs?: number;
  /** Requests per send() call for one batch before handing a retry back to the caller. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longer waits (a quota, a long retry-after) are not slept here: the caller reschedules. */
  maxInlineWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

export type Outcome =
  | { kind: "ok"; ids: Array<string | null> }
  /** rateLimited: the wait holds for every request under this API key, not just this one. */
  | { kind: "retry"; afterMs: number; reason: string; rateLimited?: boolean }
  | { kind: "failed"; reason: string; permanent: boolean }
  /** Resend refused the content: one email's fault, or, for a batch, some email's. */
  | { kind: "invalid"; reason: string };

export type ApiResult = { data: unknown; error: unknown; headers: Record<string, string> | null };

const errorSchema = z.object({
  statusCode: z.number().nullish(),
  name: z.string().nullish(),
  message: z.string().nullish(),
});
const singleSchema = z.object({ id: z.string().min(1) });
const batchSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) })) });

const AUTH_ERRORS = new Set(["missing_api_key", "invalid_api_key", "restricted_api_key"]);
const QUOTA_ERRORS = new Set(["daily_quota_exceeded", "monthly_quota_exceeded"]);
const CONFIG_RETRY_MS = 10 * 60_000;
const QUOTA_RETRY_MS = 60 * 60_000;

/** The Idempotency-Key of one email sent alone: readable in Resend's logs when it fits. */
export function messageRequestKey(email: Pick<OutgoingEmail, "shopId" | "idempotencyKey">): string {
  const key = `${email.shopId}/${email.idempotencyKey}`;
  return key.length <= MAX_KEY_LENGTH ? key : `m/${sha256(key)}`;
}

/** The Idempotency-Key of a batch: the same emails, in any order, give the same key. */
export function batchRequestKey(emails: Array<Pick<OutgoingEmail, "shopId" | "idempotencyKey">>): string {
  return `batch/${sha256(emails.map(messageRequestKey).sort().join("\n"))}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Seconds (or an HTTP date) from retry-after / ratelimit-reset, as milliseconds; the longer one wins. */
export function retryDelayFromHeaders(headers: Record<string, string> | null, now = Date.now()): number | null {
  if (!headers) return null;
  const delays: number[] = [];
  for (const name of ["retry-after", "ratelimit-reset"]) {
    const value = headers[name]?.trim();
    if (!value) continue;
    if (/^\d+(\.\d+)?$/.test(value)) delays.push(Number(value) * 1000);
    else if (name === "retry-after" && !Number.isNaN(Date.parse(value))) delays.push(Math.max(0, Date.parse(value) - now));
  }
  return delays.length ? Math.max(...delays) : null;
}

/** What the caller does with an API answer (pure: status codes and Resend's error names decide). */
export function classifyResponse(result: ApiResult, expected: number, backoffMs: number): Outcome {
  if (!result.error) {
    const ids = expected === 1 ? singleIds(result.data) : batchIds(result.data, expected);
    // Accepted but unreadable: the emails went out, so they are sent (a retry would only replay this answer).
    return { kind: "ok", ids: ids ?? Array.from({ length: expected }, () => null) };
  }
  const parsed = errorSchema.safeParse(result.error);
  const status = parsed.success ? (parsed.data.statusCode ?? null) : null;
  const name = parsed.success ? (parsed.data.name ?? "") : "";
  const message = (parsed.success && parsed.data.message) || "no message";
  const reason = `Resend ${status ?? "network"} ${name}: ${message}`.replace(/\s+:/, ":");
  const hinted = retryDelayFromHeaders(result.headers);

  if (status === null || status >= 500) return { kind: "retry", afterMs: backoffMs, reason };
  if (status === 429) {
    const fallback = QUOTA_ERRORS.has(name) ? QUOTA_RETRY_MS : backoffMs;
    return { kind: "retry", afterMs: hinted ?? fallback, reason, rateLimited: true };
  }
  if (status === 409 && name === "concurrent_idempotent_requests") return { kind: "retry", afterMs: backoffMs, reason };
  if (AUTH_ERRORS.has(name) || status === 401) return { kind: "retry", afterMs: CONFIG_RETRY_MS, reason };
  if (status === 409) {
    // The key was used for different content: the first request may have sent; sending again could duplicate.
    return { kind: "failed", permanent: false, reason: `${reason} (not re-sent: the key was already used)` };
  }
  if (status === 400 && name === "invalid_idempotency_key") return { kind: "failed", permanent: false, reason };
  if (status === 400 || status === 403 || status === 422) return { kind: "invalid", reason: message };
  return { kind: "failed", permanent: false, reason };
}

function singleIds(data: unknown): Array<string | null> | null {
  const parsed = singleSchema.safeParse(data);
  return parsed.success ? [parsed.data.id] : null;
}

function batchIds(data: unknown, expected: number): Array<string | null> | null {
  const parsed = batchSchema.safeParse(data);
  if (!parsed.success || parsed.data.data.length !== expected) return null;
  return parsed.data.data.map((d) => d.id);
}

function toResendEmail(email: OutgoingEmail) {
  const content = email.html ? { html: email.html, ...(email.text ? { text: email.text } : {}) } : { text: email.text };
  return {
    from: email.from,
    to: [email.to],
    subject: email.subject,
    ...content,
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    ...(Object.keys(email.headers).length ? { headers: email.headers } : {}),
    ...(email.tags.length ? { tags: email.tags } : {}),
  };
}

/** A Mailer over Resend's API through the official SDK. */
export function createResendMailer(options: ResendMailerOptions): Mailer {
  const client = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  const limiter = options.rateLimiter ?? sharedSendRateLimiter(options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND);
  const limitKey = rateLimitKey(options.apiKey);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 30_000;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;

  // Exponential with jitter, so workers that failed together do not come back together.
  const backoff = (attempt: number) => Math.round(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2));

  const noteRateHeaders = (headers: Record<string, string> | null) => {
    if (headers?.["ratelimit-remaining"]?.trim() !== "0") return;
    const reset = retryDelayFromHeaders({ "ratelimit-reset": headers["ratelimit-reset"] ?? "" });
    if (reset) limiter.pauseUntil(limitKey, Date.now() + reset);
  };

  /** One logical request, retried under the same idempotency key until it has a definite answer or must wait long. */
  async function request(expected: number, call: (signal: AbortSignal) => Promise<ApiResult>): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire(limitKey);
      let result: ApiResult;
      try {
        result = await call(AbortSignal.timeout(timeoutMs));
      } catch (error) {
        // The SDK returns network errors, but an abort while reading a body is thrown.
        result = { data: null, error: { statusCode: null, name: "timeout", message: String(error) }, headers: null };
      }
      noteRateHeaders(result.headers);
      const outcome = classifyResponse(result, expected, backoff(attempt));
      if (outcome.kind !== "retry") return outcome;
      if (outcome.rateLimited) limiter.pauseUntil(limitKey, Date.now() + outcome.afterMs);
      if (attempt >= maxAttempts || outcome.afterMs > maxInlineWaitMs) return outcome;
      await wait(outcome.afterMs);
    }
  }

  async function sendOne(email: OutgoingEmail): Promise<SendResult> {
    const outcome = await request(1, (signal) =>
      client.emails.send(toResendEmail(email), { idempotencyKey: messageRequestKey(email), signal }),
    );
    return resultOf(outcome, 0);
  }

  async function sendBatch(batch: OutgoingEmail[]): Promise<SendResult[]> {
    if (batch.length === 1) return [await sendOne(batch[0])];
    // A stable order makes the same batch the same request body, whatever order the caller passed.
    const order = batch.map((_, i) => i).sort((a, b) => (messageRequestKey(batch[a]) < messageRequestKey(batch[b]) ? -1 : 1));
    const emails = order.map((i) => toResendEmail(batch[i]));
    const outcome = await request(batch.length, (signal) =>
      client.batch.send(emails, { idempotencyKey: batchRequestKey(batch), signal }),
    );
    if (outcome.kind === "invalid") {
      // Strict validation rejected the whole batch, so nothing was sent: each email alone finds the culprit.
      const results: SendResult[] = [];
      for (const email of batch) results.push(await sendOne(email));
      return results;
    }
    const results = new Array<SendResult>(batch.length);
    order.forEach((original, position) => (results[original] = resultOf(outcome, position)));
    return results;
  }

  return {
    name: "resend",
    maxBatchSize: RESEND_MAX_BATCH,
    async send(batch) {
      const results: SendResult[] = [];
      for (let start = 0; start < batch.length; start += RESEND_MAX_BATCH) {
        results.push(...(await sendBatch(batch.slice(start, start + RESEND_MAX_BATCH))));
      }
      return results;
    },
  };
}

function resultOf(outcome: Outcome, position: number): SendResult {
  switch (outcome.kind) {
    case "ok":
      return { status: "sent", providerMessageId: outcome.ids[position] ?? null };
    case "retry":
      return { status: "retry", afterMs: outcome.afterMs, reason: outcome.reason };
    case "failed":
      return { status: "failed", reason: outcome.reason, permanent: outcome.permanent };
    case "invalid":
      return { status: "failed", reason: outcome.reason, permanent: true };
  }
}

/** Resend when an API key is configured (and not in the demo), else the local outbox. */
export function mailerFromEnv(env: Pick<Env, "RESEND_API_KEY" | "RESEND_BASE_URL" | "DEMO_MODE">): Mailer {
  if (env.DEMO_MODE || !env.RESEND_API_KEY) return createOutboxMailer();
  return createResendMailer({ apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL });
}
