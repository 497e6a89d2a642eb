// What sends email, seen from the code that decides what to send (listmonk's Messenger, Dittofeed's sender factory).
// Resend (resend.server.ts) and the local outbox (outbox.server.ts) are two implementations; tests add fakes.

export type EmailTag = {
  /** ASCII letters, digits, "_" and "-" only (Resend's rule for tags). */
  name: string;
  value: string;
};

/** One rendered email, ready to hand to a provider. */
export type OutgoingEmail = {
  /** The shop the email is sent for; with idempotencyKey it names one Message row. */
  shopId: string;
  /** Unique per shop and stable across retries (run:step:version:variant): the provider never sends it twice. */
  idempotencyKey: string;
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** Passed through unchanged (List-Unsubscribe, List-Unsubscribe-Post, ...). */
  headers: Record<string, string>;
  tags: EmailTag[];
};

/**
 * The outcome for one email. Expected failures are values, never exceptions:
 * - sent: the provider accepted it (providerMessageId is null only if it accepted without naming an id);
 * - failed: it will not go out; `permanent` when the email itself is at fault (address, content), false when
 *   the send could not be completed safely for another reason (e.g. an idempotency conflict);
 * - retry: nothing is known to be lost; send the same email again after `afterMs`.
 */
export type SendResult =
  | { status: "sent"; providerMessageId: string | null }
  | { status: "failed"; reason: string; permanent: boolean }
  | { status: "retry"; afterMs: number; reason: string };

/**
 * Sends batches of emails. The contract that makes retries harmless:
 * - results come back in the batch's order, one per email;
 * - a batch of at most `maxBatchSize` emails is one provider request, keyed by the batch's idempotency keys, so the
 *   same batch (same emails, same content, any order) sent again is recognised by the provider and not re-sent;
 * - when some but not all results are `retry`, the implementation sent those emails one by one, each keyed by its
 *   own idempotency key: retry each of them alone. When every result is `retry`, retry the whole batch as it was.
 */
export interface Mailer {
  /** Stored as Message.provider: "resend", "outbox", ... */
  readonly name: string;
  readonly maxBatchSize: number;
  send(batch: OutgoingEmail[]): Promise<SendResult[]>;
}
