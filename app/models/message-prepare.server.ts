// Content is rendered at delivery, not when a flow queues the email: the recipient's discount code is created in
// Shopify only for an email that really goes out, and the newest brand settings apply. deliverQueued calls
// prepareClaimed on each claimed batch; what it renders is stored on the row before the send, so a batch re-sent
// after a crash goes out with exactly the same content (and so the same provider idempotency key).
import type { Db, Message } from "../db/client.server";

export type PreparedContent = { subject: string; html: string; text: string; discountCode: string | null };

/** Per message: its content, or why not now (retry later) or never (failed, with the reason recorded). */
export type PrepareResult =
  | { status: "ready"; content: PreparedContent }
  | { status: "retry"; afterMs: number; reason: string }
  | { status: "failed"; reason: string };

/** Renders messages queued without content; one result per message, in order. */
export type MessagePreparer = (messages: Message[], now: Date) => Promise<PrepareResult[]>;

export type PrepareOptions = { now: Date; maxAttempts?: number; retryBaseMs?: number };

export type PrepareSummary = { failed: number; retried: number };

/** A message that still needs content: queued without HTML or text. */
export const needsContent = (m: Pick<Message, "html" | "text">) => m.html === null && m.text === null;

/** The attempt count kept in Message.error between attempts ("retry <n>: reason"). */
export function attemptsSoFar(error: string | null): number {
  const match = error?.match(/^retry (\d+): /);
  return match ? Number(match[1]) : 0;
}

/**
 * Prepares the members of a claimed batch (pinned with `pin`) that have no content yet and returns the batch's
 * sendable messages, content filled in. A member that cannot be prepared now is released from the batch: queued
 * again after a backoff, or failed once it has used its attempts or the failure is permanent.
 */
export async function prepareClaimed(
  db: Db,
  batch: Message[],
  pin: string,
  prepare: MessagePreparer,
  options: PrepareOptions,
  summary: PrepareSummary,
): Promise<Message[]> {
  const pending = batch.filter(needsContent);
  if (pending.length === 0) return batch;
  let results: PrepareResult[];
  try {
    results = await prepare(pending, options.now);
    if (results.length !== pending.length) throw new Error(`preparer returned ${results.length} results for ${pending.length} messages`);
  } catch (error) {
    // A bug or an outage (the database, the template cache): nothing was sent, so retrying is safe.
    const reason = `preparing content failed: ${error instanceof Error ? error.message : String(error)}`;
    results = pending.map(() => ({ status: "retry" as const, afterMs: 0, reason }));
  }

  const ready = new Map<string, Message>();
  for (const [i, message] of pending.entries()) {
    const result = results[i];
    const where = { id: message.id, providerMessageId: pin, status: "queued" };
    if (result.status === "ready") {
      const { count } = await db.message.updateMany({ where, data: result.content });
      if (count === 1) ready.set(message.id, { ...message, ...result.content });
      continue;
    }
    const attempt = attemptsSoFar(message.error) + 1;
    const giveUp = result.status === "failed" || attempt >= (options.maxAttempts ?? 8);
    const reason = result.status === "failed" ? result.reason : `gave up after ${attempt} attempts: ${result.reason}`;
    const backoff = Math.max(result.status === "retry" ? result.afterMs : 0, Math.min(3_600_000, (options.retryBaseMs ?? 15_000) * 2 ** (attempt - 1)));
    const { count } = await db.message.updateMany({
      where,
      data: giveUp
        ? { status: "failed", providerMessageId: null, error: reason, queuedAt: options.now }
        : { providerMessageId: null, error: `retry ${attempt}: ${result.status === "retry" ? result.reason : ""}`, queuedAt: new Date(options.now.getTime() + backoff) },
    });
    if (count === 1) {
      if (giveUp) summary.failed++;
      else summary.retried++;
    }
  }
  return batch.flatMap((m) => (needsContent(m) ? (ready.has(m.id) ? [ready.get(m.id)!] : []) : [m]));
}
