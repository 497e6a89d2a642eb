import { normalizeWebhook, type WebhookTopic } from "../app/domain/events/normalize";

/**
 * The soak's end-of-run checks, pure: what the traffic knows it did (accepted webhooks, consent it gave and took
 * back) against what the app stored and what the Resend-speaking server received.
 */
export type Check = { name: string; pass: boolean; detail: string };

export type AcceptedWebhook = { webhookId: string; topic: WebhookTopic; body: string; triggeredAt: Date };

/** Every accepted webhook became exactly its events: each one its normalizer names, and none that no webhook names. */
export function webhooksBecameTheirEvents(
  accepted: AcceptedWebhook[],
  stored: { webhookEventSourceIds: string[]; inboxPending: number; inboxFailed: number },
): Check {
  const expected = new Set<string>();
  let unreadable = 0;
  for (const w of accepted) {
    const result = normalizeWebhook(w.topic, w.body, { triggeredAt: w.triggeredAt });
    if (!result.ok) unreadable++;
    else for (const e of result.value.events) expected.add(e.sourceId);
  }
  const have = new Set(stored.webhookEventSourceIds);
  const missing = [...expected].filter((id) => !have.has(id));
  const extra = [...have].filter((id) => !expected.has(id));
  const pass = missing.length === 0 && extra.length === 0 && unreadable === 0 && stored.inboxPending === 0 && stored.inboxFailed === 0;
  return {
    name: "every accepted webhook became exactly its events",
    pass,
    detail:
      `${accepted.length} webhooks accepted, ${expected.size} events expected, ${have.size} stored; ` +
      `${missing.length} missing${missing.length ? ` (e.g. ${missing.slice(0, 3).join(", ")})` : ""}, ${extra.length} unexpected${extra.length ? ` (e.g. ${extra.slice(0, 3).join(", ")})` : ""}, ` +
      `${unreadable} unreadable; inbox: ${stored.inboxPending} pending, ${stored.inboxFailed} failed`,
  };
}

export type DeliveredEmail = { to: string; atMs: number; messageId: string | null };

/** No email sent twice: one delivery per message (the idempotency keys held through kills and retries). */
export function noEmailTwice(delivered: DeliveredEmail[]): Check {
  const counts = new Map<string, number>();
  let untagged = 0;
  for (const e of delivered) {
    if (!e.messageId) untagged++;
    else counts.set(e.messageId, (counts.get(e.messageId) ?? 0) + 1);
  }
  const twice = [...counts].filter(([, n]) => n > 1);
  return {
    name: "no email sent twice",
    pass: twice.length === 0 && untagged === 0,
    detail: `${delivered.length} emails received for ${counts.size} messages; ${twice.length} sent more than once${twice.length ? ` (e.g. ${twice.slice(0, 3).map(([id, n]) => `${id} x${n}`).join(", ")})` : ""}; ${untagged} without a message id`,
  };
}

/**
 * No email to a person without consent or on the suppression list: not before they subscribed, not after they
 * unsubscribed (plus `graceMs`, an email already with Resend when the click landed), never once suppressed.
 */
export function onlyToConsenting(
  delivered: DeliveredEmail[],
  consent: { subscribedAt: Map<string, number>; unsubscribedAt: Map<string, number>; suppressedAt: Map<string, number> },
  graceMs: number,
): Check {
  const problems: string[] = [];
  for (const e of delivered) {
    const to = e.to.toLowerCase();
    const subscribed = consent.subscribedAt.get(to);
    const unsubscribed = consent.unsubscribedAt.get(to);
    const suppressed = consent.suppressedAt.get(to);
    if (subscribed === undefined || e.atMs < subscribed) problems.push(`${to}: emailed without consent`);
    else if (unsubscribed !== undefined && e.atMs > unsubscribed + graceMs) problems.push(`${to}: emailed ${e.atMs - unsubscribed} ms after unsubscribing`);
    else if (suppressed !== undefined && e.atMs > suppressed + graceMs) problems.push(`${to}: emailed while suppressed`);
  }
  return {
    name: "no email without consent or to a suppressed address",
    pass: problems.length === 0,
    detail: `${delivered.length} emails, ${consent.unsubscribedAt.size} unsubscribes, ${consent.suppressedAt.size} suppressed; ${problems.length} violations${problems.length ? `: ${problems.slice(0, 3).join("; ")}` : ""}`,
  };
}

export type CartEmail = { messageId: string; profileId: string; runStartedAt: Date; sentAt: Date };
export type StoredOrder = { profileId: string; placedAt: Date; receivedAt: Date };

/**
 * No cart email after that person's order: an abandoned-checkout email sent more than `graceMs` after an order of
 * theirs placed since the run's checkout was stored is a violation (an order placed before the checkout, even if
 * it arrived late, is not this cart's). The grace is one worker pass: an order stored while the pass that sends is
 * already past its triggers is seen on the next one.
 */
export function noCartEmailAfterOrder(cartEmails: CartEmail[], orders: StoredOrder[], graceMs: number): Check {
  const byProfile = new Map<string, StoredOrder[]>();
  for (const o of orders) byProfile.set(o.profileId, [...(byProfile.get(o.profileId) ?? []), o]);
  const late = cartEmails.flatMap((m) => {
    const order = (byProfile.get(m.profileId) ?? []).find((o) => o.placedAt >= m.runStartedAt && m.sentAt.getTime() - o.receivedAt.getTime() > graceMs);
    return order ? [`${m.messageId} sent ${((m.sentAt.getTime() - order.receivedAt.getTime()) / 1000).toFixed(1)} s after the order was stored`] : [];
  });
  return {
    name: "no cart email after that person's order",
    pass: late.length === 0,
    detail: `${cartEmails.length} cart emails sent, ${orders.length} orders stored; ${late.length} sent after an order${late.length ? ` (${late.slice(0, 5).join("; ")})` : ""}`,
  };
}

/**
 * No run stuck: at the end, every run is advanced within `boundMs` of when it was due, or, when a worker claimed it
 * and was then killed (`kill -9` every minute), of when that worker's lease ran out. Runs still waiting out a dead
 * worker's lease are counted, not failed: the lease is how a claimed run survives a crash.
 */
export function noStuckRuns(
  runs: Array<{ id: string; nextRunAt: Date | null; status: string; leaseUntil: Date | null }>,
  endedAt: Date,
  boundMs: number,
): Check {
  const active = runs.filter((r) => (r.status === "waiting" || r.status === "running") && r.nextRunAt !== null);
  const dueAt = (r: (typeof active)[number]) => Math.max(r.nextRunAt!.getTime(), r.leaseUntil?.getTime() ?? 0);
  const stuck = active.filter((r) => endedAt.getTime() - dueAt(r) > boundMs);
  const leased = active.filter((r) => r.nextRunAt!.getTime() < endedAt.getTime() && (r.leaseUntil?.getTime() ?? 0) > endedAt.getTime());
  return {
    name: `no run stuck past its due time (or its killed worker's lease) + ${boundMs / 1000} s`,
    pass: stuck.length === 0,
    detail:
      `${runs.length} runs; ${stuck.length} overdue${stuck.length ? ` (e.g. ${stuck.slice(0, 3).map((r) => `${r.id} due ${new Date(dueAt(r)).toISOString()}`).join(", ")})` : ""}; ` +
      `${leased.length} due but still leased to a worker (a killed one's lease runs 5 minutes)`,
  };
}
