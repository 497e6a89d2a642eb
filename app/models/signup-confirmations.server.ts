// Sends the double opt-in confirmation emails of pending signups (app/models/signups.server.ts), from the worker:
// a request never waits for Resend. Each pending signup is leased (a compare-and-set on emailLeaseUntil), sent with
// an idempotency key of its own, and marked sent, retried with backoff, or failed with the reason.
import type { Db } from "../db/client.server";
import { signSignupConfirmToken } from "../domain/email/tracking-token";
import { confirmationEmail } from "../domain/signup/confirmation-email";
import type { Mailer } from "../services/mailer/types";
import { formatAddress } from "./messages.server";
import { forgetExpiredSignups } from "./signups.server";
import { retryDelayMs } from "../domain/retry";

export type ConfirmationOptions = {
  now: Date;
  /** SHOPIFY_APP_URL (the confirmation link's host) and SESSION_SECRET (signs it), asked for only when there is mail to send. */
  links: () => Promise<{ appUrl: string; secret: string }>;
  /** Sender for shops without one in their settings. */
  defaultFrom?: string;
  limit?: number;
  leaseMs?: number;
  maxAttempts?: number;
};

export type ConfirmationSummary = { sent: number; retried: number; failed: number };

const MAX_ATTEMPTS = 8;

/** `${appUrl}/signup/confirm/<token>`: the page that confirms on a button press. */
export function signupConfirmUrl(appUrl: string, shopId: string, signupId: string, secret: string): string {
  return `${appUrl.replace(/\/+$/, "")}/signup/confirm/${signSignupConfirmToken({ shopId, signupId }, secret)}`;
}

let lastCleanup = 0;

export async function sendSignupConfirmationsOnce(db: Db, mailer: Mailer, options: ConfirmationOptions): Promise<ConfirmationSummary> {
  const { now } = options;
  const summary: ConfirmationSummary = { sent: 0, retried: 0, failed: 0 };
  // Unconfirmed signups hold an address nobody confirmed: dropped a week after expiry, checked every 10 minutes.
  if (now.getTime() - lastCleanup > 10 * 60_000) {
    lastCleanup = now.getTime();
    await forgetExpiredSignups(db, now);
  }
  const due = await db.pendingSignup.findMany({
    where: { status: "pending", emailStatus: "queued", nextEmailAt: { lte: now }, expiresAt: { gt: now }, OR: [{ emailLeaseUntil: null }, { emailLeaseUntil: { lt: now } }] },
    orderBy: { nextEmailAt: "asc" },
    take: options.limit ?? 50,
    select: { id: true, emailLeaseUntil: true },
  });
  if (due.length === 0) return summary;
  const links = await options.links();
  const leaseUntil = new Date(now.getTime() + (options.leaseMs ?? 5 * 60_000));
  for (const candidate of due) {
    const { count } = await db.pendingSignup.updateMany({
      where: { id: candidate.id, emailStatus: "queued", emailLeaseUntil: candidate.emailLeaseUntil },
      data: { emailLeaseUntil: leaseUntil },
    });
    if (count === 0) continue; // another worker has it
    const outcome = await sendOne(db, mailer, candidate.id, { ...options, ...links });
    summary[outcome]++;
  }
  return summary;
}

type SendOptions = ConfirmationOptions & { appUrl: string; secret: string };

async function sendOne(db: Db, mailer: Mailer, id: string, options: SendOptions): Promise<keyof ConfirmationSummary> {
  const { now } = options;
  const signup = await db.pendingSignup.findUniqueOrThrow({
    where: { id },
    include: { shop: { select: { name: true, settings: { select: { senderName: true, senderEmail: true, replyToEmail: true, brandColor: true, logoUrl: true, postalAddress: true, signupConfirmHours: true } } } } },
  });
  const attempts = signup.emailAttempts + 1;
  const retry = async (reason: string, afterMs = retryDelayMs(attempts)) => {
    if (attempts >= (options.maxAttempts ?? MAX_ATTEMPTS)) return fail(reason);
    await db.pendingSignup.update({ where: { id }, data: { emailAttempts: attempts, emailLeaseUntil: null, nextEmailAt: new Date(now.getTime() + afterMs), emailError: reason.slice(0, 2000) } });
    return "retried" as const;
  };
  const fail = async (reason: string) => {
    await db.pendingSignup.update({ where: { id }, data: { emailAttempts: attempts, emailLeaseUntil: null, emailStatus: "failed", emailError: reason.slice(0, 2000) } });
    return "failed" as const;
  };

  // A hard bounce or spam complaint earlier: never email that address again, confirmation included.
  if (await db.suppression.findFirst({ where: { shopId: signup.shopId, email: signup.email }, select: { email: true } })) return fail("suppressed");
  const s = signup.shop.settings;
  const from = s?.senderEmail ? formatAddress(s.senderName || signup.shop.name, s.senderEmail) : options.defaultFrom;
  // The merchant can still add one; the signup waits (and expires if nobody does).
  if (!from) return retry("no sender address: set one in Settings");

  const email = confirmationEmail({
    shopName: signup.shop.name,
    brandColor: s?.brandColor ?? "#1a1a1a",
    logoUrl: s?.logoUrl ?? null,
    postalAddress: s?.postalAddress ?? null,
    confirmUrl: signupConfirmUrl(options.appUrl, signup.shopId, signup.id, options.secret),
    locale: signup.locale,
    expiresInHours: Math.max(1, Math.round((signup.expiresAt.getTime() - signup.createdAt.getTime()) / 3_600_000)),
  });
  const [result] = await mailer.send([
    {
      shopId: signup.shopId,
      // A signup started over (expired, resubmitted) is a new email; a retry of this one is the same.
      idempotencyKey: `signup-confirm:${signup.id}:${signup.createdAt.getTime()}`,
      from,
      to: signup.email,
      ...(s?.replyToEmail ? { replyTo: s.replyToEmail } : {}),
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: {},
      tags: [{ name: "kind", value: "signup_confirmation" }],
    },
  ]);
  if (!result) return retry("the mailer returned no result");
  if (result.status === "sent") {
    await db.pendingSignup.update({ where: { id }, data: { emailAttempts: attempts, emailLeaseUntil: null, emailStatus: "sent", emailError: null } });
    return "sent";
  }
  if (result.status === "retry") return retry(result.reason, result.afterMs);
  return result.permanent ? fail(result.reason) : retry(result.reason);
}
