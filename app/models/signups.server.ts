// Storefront signup forms (issue 7): accepting a submission, double opt-in confirmation, and form analytics.
// An accepted signup becomes an inbox entry (source "signup_form") that the inbox worker turns into the profile's
// consent and "Subscribed to Email" like any other fact; this module never writes profiles itself.
import type { Db, DbOrTx } from "../db/client.server";
import { normalizeSignup, storedSignupSchema, type StoredSignup } from "../domain/signup/submission";
import { dayInTimezone } from "../domain/time";
import { acceptInboxEntry } from "./inbox.server";
import { IDENTITY_KINDS, type Tx } from "./identity.server";
import { applyNormalized } from "./ingest.server";
import { enqueueShopifyTask } from "./shopify-tasks.server";

export type SignupShop = { id: string; timezone: string };
export type FormRef = { formKey: string; name: string | null; kind: "inline" | "popup" };

export type SignupRequest = {
  email: string;
  firstName: string | null;
  form: FormRef;
  locale: string;
  /** The form's own double opt-in setting; the shop's "require double opt-in" overrides it. */
  doubleOptIn: boolean;
  /** The form script's id for this submit: a retried request is the same submission. */
  submissionId: string | null;
  now: Date;
};

export type SignupOutcome =
  | { outcome: "subscribed" }
  | { outcome: "already_subscribed" }
  | { outcome: "confirm_sent"; signupId: string };

const FORM_METRICS = ["views", "submissions", "confirmations"] as const;
type FormMetric = (typeof FORM_METRICS)[number];

/** Remembers the form (its latest name and kind) and counts one view, submission or confirmation on its day. */
async function countOnForm(tx: DbOrTx, shop: SignupShop, form: FormRef, metric: FormMetric, now: Date) {
  const name = form.name ?? (form.kind === "popup" ? "Signup popup" : "Signup form");
  await tx.signupForm.upsert({
    where: { shopId_formKey: { shopId: shop.id, formKey: form.formKey } },
    create: { shopId: shop.id, formKey: form.formKey, name, kind: form.kind, firstSeenAt: now, lastSeenAt: now },
    update: { ...(form.name ? { name } : {}), kind: form.kind, lastSeenAt: now },
  });
  const day = dayInTimezone(now, shop.timezone);
  const key = { shopId_formKey_day: { shopId: shop.id, formKey: form.formKey, day } };
  await tx.signupFormDay.upsert({
    where: key,
    create: { shopId: shop.id, formKey: form.formKey, day, [metric]: 1 },
    update: { [metric]: { increment: 1 } },
  });
}

/** A form was shown to someone (the storefront script reports it once per page view). */
export async function recordFormView(db: Db, shop: SignupShop, form: FormRef, now: Date) {
  await countOnForm(db, shop, form, "views", now);
}

/** True when the address already belongs to a subscribed profile of this shop. */
async function isSubscribed(db: DbOrTx, shopId: string, email: string): Promise<boolean> {
  const identity = await db.profileIdentity.findFirst({
    where: { shopId, kind: IDENTITY_KINDS.email, value: email },
    select: { profile: { select: { emailConsent: true } } },
  });
  return identity?.profile.emailConsent === "subscribed";
}

/** The inbox entry that subscribes the person; keyed by `reference`, so the same signup twice is one entry. */
function subscribeThroughInbox(tx: DbOrTx, shopId: string, signup: StoredSignup) {
  return acceptInboxEntry(tx, {
    shopId,
    source: "signup_form",
    topic: "signup/subscribed",
    dedupeKey: `signup:${signup.reference}`,
    payload: JSON.stringify(signup),
    triggeredAt: new Date(signup.at),
  });
}

/**
 * A valid submission. Already subscribed: nothing is written (no new event, no second welcome). Single opt-in:
 * the subscription goes to the inbox at once. Double opt-in: a pending signup waits for its confirmation click
 * (a resubmission while one is pending changes nothing and sends no second email).
 */
export async function acceptSignup(db: Db, shop: SignupShop, request: SignupRequest, requireDoubleOptIn: boolean, confirmHours: number): Promise<SignupOutcome> {
  if (await isSubscribed(db, shop.id, request.email)) return { outcome: "already_subscribed" };
  const { now, form } = request;

  if (!(requireDoubleOptIn || request.doubleOptIn)) {
    // Without the script's id (a form posted without JavaScript), one submission per address, form and minute.
    const reference = request.submissionId ? `${form.formKey}:${request.submissionId}` : `${form.formKey}:${request.email}:${Math.floor(now.getTime() / 60_000)}`;
    // Not one transaction: on PostgreSQL a duplicate key aborts it, and a lost count is cheaper than a lost signup.
    const accepted = await subscribeThroughInbox(db, shop.id, {
      email: request.email,
      firstName: request.firstName,
      formKey: form.formKey,
      formName: form.name,
      optIn: "single",
      at: now.toISOString(),
      reference,
    });
    if (accepted === "accepted") await countOnForm(db, shop, form, "submissions", now);
    return { outcome: "subscribed" };
  }

  const expiresAt = new Date(now.getTime() + confirmHours * 3_600_000);
  return db.$transaction(async (tx) => {
    const where = { shopId_email_formKey: { shopId: shop.id, email: request.email, formKey: form.formKey } };
    const existing = await tx.pendingSignup.findUnique({ where });
    if (existing && existing.status === "pending" && existing.expiresAt > now) return { outcome: "confirm_sent" as const, signupId: existing.id };
    const fresh = { firstName: request.firstName, locale: request.locale, createdAt: now, expiresAt, status: "pending", confirmedAt: null,
      emailStatus: "queued", emailAttempts: 0, nextEmailAt: now, emailLeaseUntil: null, emailError: null };
    // An expired one (or one confirmed before an unsubscribe) starts over with a new confirmation email.
    const pending = existing
      ? await tx.pendingSignup.update({ where: { id: existing.id }, data: fresh })
      : await tx.pendingSignup.create({ data: { shopId: shop.id, email: request.email, formKey: form.formKey, ...fresh } });
    await countOnForm(tx, shop, form, "submissions", now);
    return { outcome: "confirm_sent" as const, signupId: pending.id };
  });
}

export type ConfirmOutcome =
  | { outcome: "confirmed"; shopName: string }
  | { outcome: "already_confirmed"; shopName: string }
  | { outcome: "expired"; shopName: string }
  | { outcome: "unknown" };

/**
 * The confirmation click (a POST from the confirmation page, so link scanners that fetch every URL confirm
 * nothing). The conditional update is the gate: of two clicks, one confirms and the other finds it confirmed.
 */
export async function confirmSignup(db: Db, input: { shopId: string; signupId: string; now: Date }): Promise<ConfirmOutcome> {
  return db.$transaction(async (tx) => {
    const pending = await tx.pendingSignup.findFirst({
      where: { id: input.signupId, shopId: input.shopId },
      include: { shop: { select: { name: true, timezone: true, uninstalledAt: true } } },
    });
    if (!pending || pending.shop.uninstalledAt) return { outcome: "unknown" as const };
    const shopName = pending.shop.name;
    if (pending.status === "confirmed") return { outcome: "already_confirmed" as const, shopName };
    if (pending.status === "expired" || pending.expiresAt <= input.now) {
      await tx.pendingSignup.updateMany({ where: { id: pending.id, status: "pending" }, data: { status: "expired" } });
      return { outcome: "expired" as const, shopName };
    }
    const { count } = await tx.pendingSignup.updateMany({
      where: { id: pending.id, status: "pending" },
      data: { status: "confirmed", confirmedAt: input.now },
    });
    if (count === 0) return { outcome: "already_confirmed" as const, shopName };
    await subscribeThroughInbox(tx, input.shopId, {
      email: pending.email,
      firstName: pending.firstName,
      formKey: pending.formKey,
      formName: null,
      optIn: "confirmed",
      at: input.now.toISOString(),
      reference: `confirm:${pending.id}`,
    });
    const form = await tx.signupForm.findUnique({ where: { shopId_formKey: { shopId: input.shopId, formKey: pending.formKey } } });
    await countOnForm(tx, { id: input.shopId, timezone: pending.shop.timezone }, { formKey: pending.formKey, name: null, kind: form?.kind === "popup" ? "popup" : "inline" }, "confirmations", input.now);
    return { outcome: "confirmed" as const, shopName };
  });
}

/** Pending signups nobody confirmed are personal data kept for nothing: gone a week after they expired. */
export async function forgetExpiredSignups(db: Db, now: Date): Promise<number> {
  const { count } = await db.pendingSignup.deleteMany({
    where: { status: { in: ["pending", "expired"] }, expiresAt: { lt: new Date(now.getTime() - 7 * 86_400_000) } },
  });
  return count;
}

export type FormReportRow = {
  formKey: string;
  name: string;
  kind: string;
  lastSeenAt: Date;
  views: number;
  submissions: number;
  confirmations: number;
  /** Submissions per view, 0..1; null without views. */
  conversionRate: number | null;
};

/** Per-form totals for the shop-local days fromDay..toDay (inclusive), from the daily counters only. */
export async function formReport(db: Db, shopId: string, fromDay: string, toDay: string): Promise<FormReportRow[]> {
  const [forms, totals] = await Promise.all([
    db.signupForm.findMany({ where: { shopId }, orderBy: { firstSeenAt: "asc" } }),
    db.signupFormDay.groupBy({
      by: ["formKey"],
      where: { shopId, day: { gte: fromDay, lte: toDay } },
      _sum: { views: true, submissions: true, confirmations: true },
    }),
  ]);
  const byForm = new Map(totals.map((t) => [t.formKey, t._sum]));
  return forms.map((form) => {
    const sum = byForm.get(form.formKey);
    const views = sum?.views ?? 0;
    const submissions = sum?.submissions ?? 0;
    return {
      formKey: form.formKey,
      name: form.name,
      kind: form.kind,
      lastSeenAt: form.lastSeenAt,
      views,
      submissions,
      confirmations: sum?.confirmations ?? 0,
      conversionRate: views > 0 ? submissions / views : null,
    };
  });
}

export type AppliedSignup = { ok: true; profileId: string | null; subscribed: boolean } | { ok: false; error: string };

/**
 * The inbox worker's half: the stored signup becomes the profile's consent and "Subscribed to Email" (through the
 * same ingest path as every fact), and a new subscription is passed on to Shopify as a subscribed customer.
 */
export async function applySignup(tx: Tx, shop: { id: string; currency: string; timezone: string }, payload: string, now: Date): Promise<AppliedSignup> {
  const normalized = normalizeSignup(payload);
  if (!normalized.ok) return normalized;
  const signup = storedSignupSchema.parse(JSON.parse(payload));
  const applied = await applyNormalized(tx, shop, normalized.value, { source: "signup_form", now });
  // No new event: the person was subscribed already (or this is a replay), and Shopify knows it.
  const subscribed = applied.eventsCreated > 0;
  if (applied.profileId && subscribed) {
    await enqueueShopifyTask(tx, {
      shopId: shop.id,
      kind: "customer_upsert",
      // The profile id in the key lets customers/redact find (and drop) the task.
      key: `signup:${applied.profileId}:${signup.reference}`,
      payload: { profileId: applied.profileId, email: normalized.value.identity.email!, firstName: signup.firstName ?? null, at: signup.at, optIn: signup.optIn },
    });
  }
  return { ok: true, profileId: applied.profileId, subscribed };
}
