import { Prisma } from "../../db/client.server";
import type { Tx } from "../identity.server";
import type { Subject } from "./subject.server";

/** What an erased raw delivery becomes. */
export const REDACTED_PAYLOAD = '{"redacted":true}';
const REDACTED_PROPERTIES = { redacted: true };
// .invalid can never resolve (RFC 2606), so a redacted message can never be re-sent anywhere.
export const REDACTED_EMAIL = "redacted@redacted.invalid";
const REDACTED_SUBJECT = "[redacted]";

export type RedactionSummary = {
  profiles: number;
  identities: number;
  events: number;
  messages: number;
  suppressions: number;
  dataRequests: number;
  inboxEntries: number;
  shopifyTasks: number;
  pendingSignups: number;
};

/**
 * customers/redact: erases the subject's personal data from every table while keeping what is anonymous (event
 * names, times and values, message statuses and times, order money, profile numbers, rollups).
 */
export async function redactCustomer(tx: Tx, shopId: string, subject: Subject, now: Date): Promise<RedactionSummary> {
  const mine = { shopId, profileId: { in: subject.profileIds } };
  const profiles = await tx.profile.updateMany({
    where: { shopId, id: { in: subject.profileIds } },
    data: {
      email: null, phone: null, firstName: null, lastName: null, shopifyCustomerId: null, properties: Prisma.DbNull,
      emailConsent: "unknown", emailConsentAt: null, emailConsentSource: null, factsAsOf: null, updatedAt: now,
    },
  });
  const identities = await tx.profileIdentity.deleteMany({ where: mine });
  // Being in "female, 30-50" says what the erased properties said.
  await tx.segmentMembership.deleteMany({ where: mine });
  const events = await tx.event.updateMany({ where: mine, data: { properties: REDACTED_PROPERTIES } });
  await forgetCustomerInSourceIds(tx, shopId, subject);
  const messages = await tx.message.updateMany({
    where: mine,
    data: { toEmail: REDACTED_EMAIL, subject: REDACTED_SUBJECT, html: null, text: null, error: null },
  });
  // Run state may hold trigger data; the person can no longer be emailed, so waiting runs end here.
  await tx.flowRun.updateMany({ where: mine, data: { state: REDACTED_PROPERTIES } });
  await tx.flowRun.updateMany({
    where: { ...mine, status: { in: ["waiting", "running"] } },
    data: { status: "exited", exitReason: "redacted", nextRunAt: null, leaseOwner: null, leaseUntil: null, completedAt: now },
  });
  const suppressions = await tx.suppression.deleteMany({ where: { shopId, email: { in: subject.emails } } });
  const dataRequests = await tx.dataRequest.deleteMany({
    where: { shopId, OR: [{ shopifyCustomerId: { in: subject.customerIds } }, { email: { in: subject.emails } }] },
  });
  const inboxEntries = await redactInboxPayloads(tx, shopId, subject);
  // Queued Admin API calls about the person (a consent update) hold their email; Shopify is erasing them anyway.
  const shopifyTasks = subject.profileIds.length
    ? await tx.shopifyTask.deleteMany({ where: { shopId, OR: subject.profileIds.map((id) => ({ key: { contains: id } })) } })
    : { count: 0 };
  // Unconfirmed double opt-in signups are keyed by the address alone (no profile exists for them yet).
  const pendingSignups = subject.emails.length ? await tx.pendingSignup.deleteMany({ where: { shopId, email: { in: subject.emails } } }) : { count: 0 };
  return {
    profiles: profiles.count,
    identities: identities.count,
    events: events.count,
    messages: messages.count,
    suppressions: suppressions.count,
    dataRequests: dataRequests.count,
    inboxEntries,
    shopifyTasks: shopifyTasks.count,
    pendingSignups: pendingSignups.count,
  };
}

/** Consent events are keyed `consent:<customer id>:...`; the key is only for dedupe, so it becomes the row's own id. */
async function forgetCustomerInSourceIds(tx: Tx, shopId: string, subject: Subject) {
  if (subject.customerIds.length === 0 || subject.profileIds.length === 0) return;
  const keyed = await tx.event.findMany({
    where: { shopId, profileId: { in: subject.profileIds }, OR: subject.customerIds.map((id) => ({ sourceId: { contains: id } })) },
    select: { id: true },
  });
  for (const { id } of keyed) await tx.event.update({ where: { id }, data: { sourceId: `redacted:${id}` } });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Whether a raw payload names the subject. Whole tokens only: customer 191167 is not in order 11911670, and
 * ann@example.com is not in joann@example.com.
 */
export function payloadMatcher(subject: Pick<Subject, "customerIds" | "emails" | "phones">): (payload: string) => boolean {
  const patterns = [
    ...subject.customerIds.map((id) => `(?<![0-9])${escapeRegExp(id)}(?![0-9])`),
    ...subject.emails.map((email) => `(?<![a-z0-9._%+-])${escapeRegExp(email.toLowerCase())}(?![a-z0-9_-]|\\.[a-z0-9])`),
    ...subject.phones.map((phone) => `(?<![0-9])${escapeRegExp(phone.toLowerCase())}(?![0-9])`),
  ];
  if (patterns.length === 0) return () => false;
  const regex = new RegExp(patterns.join("|"));
  return (payload) => regex.test(payload.toLowerCase());
}

/**
 * Replaces every stored delivery of the shop that names the subject (the redact request itself included). The
 * database narrows the candidates with LIKE; the exact token check happens here. An entry not yet processed is
 * closed as failed: its facts are gone with the payload.
 */
async function redactInboxPayloads(tx: Tx, shopId: string, subject: Subject): Promise<number> {
  const needles = [...subject.customerIds, ...subject.emails, ...subject.phones].map((n) => n.toLowerCase());
  if (needles.length === 0) return 0;
  const likes = needles.map((n) => Prisma.sql`LOWER("payload") LIKE ${`%${escapeLike(n)}%`} ESCAPE '\\'`);
  const candidates = await tx.$queryRaw<Array<{ id: string; payload: string }>>(
    Prisma.sql`SELECT "id", "payload" FROM "InboxEntry" WHERE "shopId" = ${shopId} AND (${Prisma.join(likes, " OR ")})`,
  );
  const names = payloadMatcher(subject);
  const ids = candidates.filter((row) => row.payload !== REDACTED_PAYLOAD && names(row.payload)).map((row) => row.id);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await tx.inboxEntry.updateMany({ where: { shopId, id: { in: chunk } }, data: { payload: REDACTED_PAYLOAD, lastError: null } });
    await tx.inboxEntry.updateMany({
      where: { shopId, id: { in: chunk }, status: "pending" },
      data: { status: "failed", lastError: "payload redacted (customers/redact) before it was processed", leaseOwner: null, leaseUntil: null },
    });
  }
  return ids.length;
}

/** shop/redact: the shop row goes and every shop-scoped table cascades with it; sessions are keyed by domain. */
export async function redactShop(tx: Tx, shopId: string): Promise<void> {
  const shop = await tx.shop.findUnique({ where: { id: shopId }, select: { domain: true } });
  if (!shop) return;
  await tx.session.deleteMany({ where: { shop: shop.domain } });
  await tx.shop.delete({ where: { id: shopId } });
}
