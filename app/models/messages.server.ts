// Message rows: queued once per idempotency key, delivered in batches through a Mailer, shown in the outbox.
//
// Delivery state lives in existing columns (no schema change):
// - status "queued" with queuedAt = not before. A claimed batch gets a lease by moving queuedAt forward, so a
//   worker that dies mid-send leaves its batch to be claimed again once the lease has passed;
// - providerMessageId = "pending:<uuid>" while queued after a claim: the batch the message was last handed to the
//   mailer in. Such a batch is re-sent whole, with the same emails, so the mailer derives the same idempotency key
//   and the provider never sends twice, even when the first request's outcome was unknown (the one exception:
//   a member that became unsendable meanwhile, e.g. suppressed, is dropped first; see refuseUnsendable);
// - error = "retry <n>: <reason>" between attempts, then the final reason of a failure;
// - once sent or failed, queuedAt is the time of the last attempt.
import { randomUUID } from "node:crypto";
import { Prisma, type Db, type DbOrTx, type Message } from "../db/client.server";
import { OUTBOX_PROVIDER } from "../services/mailer/outbox.server";
import type { EmailTag, Mailer, OutgoingEmail, SendResult } from "../services/mailer/types";
import { dayInTimezone } from "../domain/time";
import { REDACTED_EMAIL } from "./compliance/redact.server";
import { journeysOver } from "./journey-over.server";
import { incrementRollups, messageRollupKey, type RollupKey } from "./rollups.server";
import { attemptsSoFar, needsContent, prepareClaimed, type MessagePreparer } from "./message-prepare.server";

const PENDING = "pending:";
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

export type QueueMessageInput = {
  shopId: string;
  profileId: string;
  /** run:step:version:variant (or campaign:profile:variant): one message per key and shop, ever. */
  idempotencyKey: string;
  toEmail: string;
  subject: string;
  html: string | null;
  text: string | null;
  runId?: string | null;
  flowId?: string | null;
  flowVersionId?: string | null;
  stepId?: string | null;
  campaignId?: string | null;
  variant?: string;
  /** Not sent before this time (default: at once). */
  notBefore?: Date;
};

/** Queues an email once per idempotency key: a second call returns the existing row with created = false. */
export async function queueMessage(tx: DbOrTx, input: QueueMessageInput): Promise<{ message: Message; created: boolean }> {
  const { notBefore, ...fields } = input;
  const key = { shopId_idempotencyKey: { shopId: input.shopId, idempotencyKey: input.idempotencyKey } };
  const existing = await tx.message.findUnique({ where: key });
  if (existing) return { message: existing, created: false };
  try {
    const message = await tx.message.create({
      data: { ...fields, toEmail: input.toEmail.trim().toLowerCase(), status: "queued", ...(notBefore ? { queuedAt: notBefore } : {}) },
    });
    return { message, created: true };
  } catch (error) {
    // Another worker queued the same key in between. Inside a transaction PostgreSQL has aborted it by now:
    // the unique violation goes up and the caller's transaction is retried, finding the row this time.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") throw error;
    const raced = await tx.message.findUnique({ where: key }).catch(() => null);
    if (!raced) throw error;
    return { message: raced, created: false };
  }
}

export type DeliverOptions = {
  /** Only this shop's messages (default: every shop's). */
  shopId?: string;
  /** At most this many due messages are looked at (a pinned batch is always taken whole). */
  limit: number;
  now: Date;
  /** A claimed batch is this worker's for so long: longer than a mailer's send() can take. */
  leaseMs?: number;
  /** Attempts before a message that keeps coming back "retry" is failed. */
  maxAttempts?: number;
  /** The least wait before attempt n+1 is retryBaseMs * 2^(n-1), capped at an hour, or longer if the mailer asks. */
  retryBaseMs?: number;
  /** The sender when the shop's settings have no sender address ("Name <address>"). */
  defaultFrom?: string;
  /** Extra headers per message (List-Unsubscribe, ...): must be the same for the same message on every call. */
  headers?: (message: Message) => Record<string, string>;
  /** Renders messages queued without content, just before their first send (message-prepare.server.ts). */
  prepare?: MessagePreparer;
};

export type DeliverySummary = {
  sent: number;
  failed: number;
  /** Back in the queue for a later attempt. */
  retried: number;
  /** Of the failed: on the shop's suppression list. */
  suppressed: number;
  /** Results not recorded because the lease had passed and another worker took the batch (it records them). */
  lost: number;
};

type Sender = { from: string; replyTo?: string };

/**
 * Sends due queued messages through `mailer` and records each outcome: sent (provider id, sentAt), failed (reason),
 * or queued again with a not-before time. A message on its shop's suppression list is failed "suppressed" unsent.
 * Safe to run in any number of workers at once: each batch is claimed before it is sent.
 */
export async function deliverQueued(db: Db, mailer: Mailer, options: DeliverOptions): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, failed: 0, retried: 0, suppressed: 0, lost: 0 };
  const now = options.now;
  const leaseUntil = new Date(now.getTime() + (options.leaseMs ?? 5 * 60_000));
  const due = await db.message.findMany({
    where: { status: "queued", queuedAt: { lte: now }, ...(options.shopId ? { shopId: options.shopId } : {}) },
    orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
    take: options.limit,
    select: { id: true, shopId: true, toEmail: true, providerMessageId: true },
  });
  if (due.length === 0) return summary;
  const senders = await loadSenders(db, [...new Set(due.map((m) => m.shopId))], options.defaultFrom);

  // Batches already handed to the mailer go again as they were; fresh messages form batches per shop.
  const claims: Array<Prisma.MessageWhereInput> = [];
  for (const pin of new Set(due.map((m) => m.providerMessageId).filter((p): p is string => p !== null))) {
    claims.push({ providerMessageId: pin });
  }
  const size = Math.max(1, mailer.maxBatchSize);
  for (const messages of groupBy(due.filter((m) => m.providerMessageId === null), (m) => m.shopId).values()) {
    for (let i = 0; i < messages.length; i += size) {
      claims.push({ id: { in: messages.slice(i, i + size).map((m) => m.id) }, providerMessageId: null });
    }
  }

  for (const where of claims) {
    const pin = `${PENDING}${randomUUID()}`;
    const { count } = await db.message.updateMany({
      where: { ...where, status: "queued", queuedAt: { lte: now } },
      data: { providerMessageId: pin, queuedAt: leaseUntil },
    });
    if (count === 0) continue; // another worker took it first
    const batch = await db.message.findMany({ where: { providerMessageId: pin, status: "queued" }, orderBy: { id: "asc" } });
    // Unsendable members are refused before preparing, so no discount is created for a suppressed address.
    const allowed = await refuseUnsendable(db, batch, pin, senders, now, summary, options.prepare !== undefined);
    const sendable = options.prepare ? await prepareClaimed(db, allowed, pin, options.prepare, options, summary) : allowed;
    if (sendable.length) await sendBatch(db, mailer, sendable, pin, senders, options, summary);
  }
  return summary;
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

async function loadSenders(db: Db, shopIds: string[], defaultFrom: string | undefined) {
  const shops = await db.shop.findMany({
    where: { id: { in: shopIds } },
    select: { id: true, name: true, settings: { select: { senderName: true, senderEmail: true, replyToEmail: true } } },
  });
  const senders = new Map<string, Sender | null>();
  for (const shop of shops) {
    const s = shop.settings;
    const from = s?.senderEmail ? formatAddress(s.senderName || shop.name, s.senderEmail) : defaultFrom;
    senders.set(shop.id, from ? { from, ...(s?.replyToEmail ? { replyTo: s.replyToEmail } : {}) } : null);
  }
  return senders;
}

/** `"Name" <address>`, with the quotes and backslashes a display name may hold escaped (RFC 5322). */
export function formatAddress(name: string, address: string): string {
  const clean = name.replace(/[\r\n]+/g, " ").trim();
  return clean ? `"${clean.replace(/["\\]/g, "\\$&")}" <${address}>` : address;
}

/**
 * Fails the claimed messages that must not go out and returns the others. Checked on every attempt, re-sent
 * batches included: an address suppressed between two attempts is not emailed (the rest of its batch then goes
 * under a new key, a duplicate only if the earlier attempt did reach Resend unbeknown to us).
 */
async function refuseUnsendable(
  db: Db,
  batch: Message[],
  pin: string,
  senders: Map<string, Sender | null>,
  now: Date,
  summary: DeliverySummary,
  willPrepare: boolean,
) {
  const suppressed = await db.suppression.findMany({
    where: { shopId: batch[0].shopId, email: { in: batch.map((m) => m.toEmail.toLowerCase()) } },
    select: { email: true },
  });
  const blocked = new Set(suppressed.map((s) => s.email));
  // Consent can be withdrawn between queueing and sending (an unsubscribe click, a Shopify consent update).
  const consenting = await db.profile.findMany({
    where: { id: { in: batch.map((m) => m.profileId) }, emailConsent: "subscribed" },
    select: { id: true },
  });
  const consented = new Set(consenting.map((p) => p.id));
  // A flow email still queued when its journey is over (the order came in) goes no more.
  const exitReasons = await journeysOver(db, [...new Set(batch.map((m) => m.runId).filter((id): id is string => id !== null))], now);
  const reasonNotToSend = (m: Message) => {
    if (m.toEmail === REDACTED_EMAIL) return "redacted";
    if (blocked.has(m.toEmail.toLowerCase())) return "suppressed";
    if (!consented.has(m.profileId)) return "no email marketing consent";
    if (m.runId && exitReasons.has(m.runId)) return `flow run exited before sending: ${exitReasons.get(m.runId)}`;
    if (!senders.get(m.shopId)) return "no sender address: set one in Settings";
    if (!willPrepare && !m.html && !m.text) return "nothing to send: no HTML or text";
    return null;
  };
  const sendable: Message[] = [];
  for (const [reason, messages] of groupBy(batch, (m) => reasonNotToSend(m) ?? "")) {
    if (!reason) {
      sendable.push(...messages);
      continue;
    }
    const { count } = await db.message.updateMany({
      where: { id: { in: messages.map((m) => m.id) }, providerMessageId: pin },
      data: { status: "failed", error: reason, providerMessageId: null, queuedAt: now },
    });
    summary.failed += count;
    if (reason === "suppressed") summary.suppressed += count;
  }
  return sendable;
}

function toOutgoing(message: Message, sender: Sender, headers: DeliverOptions["headers"]): OutgoingEmail {
  const tags: EmailTag[] = [{ name: "message_id", value: message.id }];
  if (message.flowId && TAG_VALUE.test(message.flowId)) tags.push({ name: "flow_id", value: message.flowId });
  return {
    shopId: message.shopId,
    idempotencyKey: message.idempotencyKey,
    from: sender.from,
    to: message.toEmail,
    ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
    subject: message.subject,
    html: message.html ?? "",
    text: message.text ?? "",
    headers: headers?.(message) ?? {},
    tags,
  };
}

async function sendBatch(
  db: Db,
  mailer: Mailer,
  sendable: Message[],
  pin: string,
  senders: Map<string, Sender | null>,
  options: DeliverOptions,
  summary: DeliverySummary,
) {
  const emails = sendable.map((m) => toOutgoing(m, senders.get(m.shopId)!, options.headers));
  let results: SendResult[];
  try {
    results = await mailer.send(emails);
  } catch (error) {
    // A bug, not an answer: the batch stays whole, so its retry is the same request.
    const reason = `mailer threw: ${error instanceof Error ? error.message : String(error)}`;
    results = emails.map(() => ({ status: "retry", afterMs: 0, reason }));
  }
  if (results.length !== emails.length) {
    throw new Error(`${mailer.name} mailer returned ${results.length} results for ${emails.length} emails`);
  }

  // All "retry": the batch is re-sent whole, under its pin. Some: the mailer sent those one by one, so each
  // is re-sent alone. Members of a whole batch share their attempt count.
  const wholeBatchRetry = results.every((r) => r.status === "retry");
  const batchAttempt = Math.max(...sendable.map((m) => attemptsSoFar(m.error))) + 1;
  const updates = sendable.map((message, i) => {
    const [attempt, nextPin] = wholeBatchRetry ? [batchAttempt, pin] : [attemptsSoFar(message.error) + 1, `${PENDING}${randomUUID()}`];
    const data = outcomeData(results[i], attempt, nextPin, mailer.name, options);
    return { data, where: { id: message.id, providerMessageId: pin } };
  });
  const shops = await db.shop.findMany({ where: { id: { in: [...new Set(sendable.map((m) => m.shopId))] } }, select: { id: true, timezone: true } });
  const timezoneOf = new Map(shops.map((shop) => [shop.id, shop.timezone]));
  const counts = await db.$transaction(async (tx) => {
    const result: Array<{ count: number }> = [];
    const sent: Array<{ key: RollupKey; by: bigint }> = [];
    for (const [i, update] of updates.entries()) {
      const written = await tx.message.updateMany(update);
      result.push(written);
      const message = sendable[i];
      if (written.count === 1 && update.data.status === "sent") {
        sent.push({ key: messageRollupKey(message, dayInTimezone(options.now, timezoneOf.get(message.shopId) ?? "UTC"), "sent"), by: 1n });
      }
    }
    // The dashboard's "sent" counters move with the messages, in the same transaction, locked in key order.
    await incrementRollups(tx, sent);
    return result;
    // Recording what the provider accepted must not give up after Prisma's default 5 s on a busy database: a
    // batch of 100 is 100 updates, and an unrecorded batch is sent again (deduplicated, but only for 24 hours).
  }, { maxWait: 10_000, timeout: 60_000 });
  counts.forEach(({ count }, i) => {
    if (count === 0) summary.lost++;
    else if (updates[i].data.status === "sent") summary.sent++;
    else if (updates[i].data.status === "failed") summary.failed++;
    else summary.retried++;
  });
}

function outcomeData(result: SendResult, attempt: number, nextPin: string, provider: string, options: DeliverOptions) {
  const now = options.now;
  switch (result.status) {
    case "sent":
      return { status: "sent", provider, providerMessageId: result.providerMessageId, sentAt: now, error: null, queuedAt: now };
    case "failed":
      return { status: "failed", provider, providerMessageId: null, error: result.reason, queuedAt: now };
    case "retry": {
      const maxAttempts = options.maxAttempts ?? 8;
      if (attempt >= maxAttempts) {
        return { status: "failed", provider, providerMessageId: null, error: `gave up after ${attempt} attempts: ${result.reason}`, queuedAt: now };
      }
      const floor = Math.min(60 * 60_000, (options.retryBaseMs ?? 15_000) * 2 ** (attempt - 1));
      const notBefore = new Date(now.getTime() + Math.max(floor, result.afterMs));
      return { status: "queued", provider, providerMessageId: nextPin, error: `retry ${attempt}: ${result.reason}`, queuedAt: notBefore };
    }
  }
}

// The outbox pages.

export type OutboxRow = { id: string; toEmail: string; subject: string; flowName: string | null; sentAt: Date | null };

const OUTBOX_PAGE = 50;

/** A page of the shop's outbox, newest first. */
export async function listOutboxMessages(db: Db, shopId: string, page = 1) {
  const where = { shopId, provider: OUTBOX_PROVIDER, status: { not: "queued" } };
  const [total, rows] = await Promise.all([
    db.message.count({ where }),
    db.message.findMany({
      where,
      orderBy: [{ sentAt: "desc" }, { id: "desc" }],
      skip: (Math.max(1, page) - 1) * OUTBOX_PAGE,
      take: OUTBOX_PAGE,
      select: { id: true, toEmail: true, subject: true, flowId: true, sentAt: true },
    }),
  ]);
  const names = await flowNames(db, shopId, rows.map((r) => r.flowId));
  const messages: OutboxRow[] = rows.map(({ flowId, ...r }) => ({ ...r, flowName: flowId ? (names.get(flowId) ?? null) : null }));
  return { messages, total, pageSize: OUTBOX_PAGE };
}

/** One outbox message of this shop, with its HTML and text; null for another shop's id. */
export async function findOutboxMessage(db: Db, shopId: string, id: string) {
  const row = await db.message.findFirst({
    where: { id, shopId, provider: OUTBOX_PROVIDER },
    select: { id: true, toEmail: true, subject: true, flowId: true, sentAt: true, status: true, html: true, text: true },
  });
  if (!row) return null;
  const { flowId, ...message } = row;
  const names = await flowNames(db, shopId, [flowId]);
  return { ...message, flowName: flowId ? (names.get(flowId) ?? null) : null };
}

async function flowNames(db: Db, shopId: string, ids: Array<string | null>) {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map<string, string>();
  const flows = await db.flow.findMany({ where: { shopId, id: { in: wanted } }, select: { id: true, name: true } });
  return new Map(flows.map((f) => [f.id, f.name]));
}
