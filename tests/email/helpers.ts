// Shared by the email tracking and Resend webhook scenarios. Imports the app's database client, so it is loaded only
// after the test file has pointed DATABASE_URL (and RESEND_WEBHOOK_SECRET) where it wants them.
import { randomUUID } from "node:crypto";
import db from "../../app/db.server";
import type { Mailer, OutgoingEmail } from "../../app/services/mailer/types";
import { ensureShop } from "../../app/models/shop.server";
import { callRoute } from "../helpers/remix";

export const APP = "https://my-test-app.myshopify.io";
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

let seq = 0;

/** A fresh shop with a sender address, in a timezone far from UTC (rollup days are shop-local). */
export async function seedShop(label: string, name?: string) {
  const shop = await ensureShop(db, `${label}-${++seq}-${randomUUID().slice(0, 8)}.myshopify.com`);
  await db.shopSettings.update({ where: { shopId: shop.id }, data: { senderName: "Northwind", senderEmail: "hello@northwind.example" } });
  return db.shop.update({ where: { id: shop.id }, data: { timezone: "Pacific/Auckland", ...(name ? { name } : {}) } });
}

export type SeedMessageOptions = {
  email?: string;
  profileId?: string;
  status?: string;
  providerMessageId?: string | null;
  sentAt?: Date;
  consent?: string;
};

/** A subscribed profile (unless one is given) and a message sent to it an hour ago from a flow step. */
export async function seedMessage(shopId: string, options: SeedMessageOptions = {}) {
  const n = ++seq;
  const email = options.email ?? `person${n}@example.com`;
  const profile = options.profileId
    ? await db.profile.findUniqueOrThrow({ where: { id: options.profileId } })
    : await db.profile.create({
        data: { shopId, email, shopifyCustomerId: `70000${n}`, emailConsent: options.consent ?? "subscribed", emailConsentAt: new Date(Date.now() - 30 * DAY) },
      });
  const flow = await db.flow.create({ data: { shopId, name: `Flow ${n}` } });
  const message = await db.message.create({
    data: {
      shopId,
      profileId: profile.id,
      flowId: flow.id,
      flowVersionId: `ver-${n}`,
      stepId: "welcome_1",
      variant: "A",
      idempotencyKey: `run${n}:welcome_1:1:A`,
      toEmail: email,
      subject: `Welcome ${n}`,
      status: options.status ?? "sent",
      provider: "resend",
      providerMessageId: options.providerMessageId === undefined ? `re-${randomUUID()}` : options.providerMessageId,
      sentAt: options.sentAt ?? new Date(Date.now() - HOUR),
      html: "<p>Hi</p>",
      text: "Hi",
    },
  });
  return { profile, message, flow };
}

/** Everything the email endpoints could write, to compare before and after a refused request. */
export async function snapshot() {
  const [events, rollups, suppressions, tasks, messages, profiles] = await Promise.all([
    db.event.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true, sourceId: true } }),
    db.dailyRollup.findMany({ orderBy: { id: "asc" }, select: { id: true, metric: true, value: true } }),
    db.suppression.findMany({ orderBy: { id: "asc" }, select: { id: true, email: true, reason: true } }),
    db.shopifyTask.findMany({ orderBy: { id: "asc" }, select: { id: true, key: true } }),
    db.message.findMany({
      orderBy: { id: "asc" },
      select: { id: true, status: true, firstOpenedAt: true, firstClickedAt: true, deliveredAt: true, bounceType: true, error: true },
    }),
    db.profile.findMany({ orderBy: { id: "asc" }, select: { id: true, emailConsent: true, emailConsentAt: true, emailConsentSource: true } }),
  ]);
  return { events, rollups, suppressions, tasks, messages, profiles };
}

/** The sum of a metric's counters for one shop (over all days: the test does not care which day "now" is). */
export async function metric(shopId: string, name: string, where: { flowId?: string; stepId?: string } = {}) {
  const sum = await db.dailyRollup.aggregate({ where: { shopId, metric: name, ...where }, _sum: { value: true } });
  return sum._sum.value ?? 0n;
}

export function eventsOf(shopId: string, name: string) {
  return db.event.findMany({ where: { shopId, name }, orderBy: { occurredAt: "asc" } });
}

/** Calls a route handler and insists on a Response. */
export async function call(
  handler: Parameters<typeof callRoute>[0],
  request: Request,
  params: Record<string, string> = {},
): Promise<Response> {
  const response = await callRoute(handler, request, params);
  if (!(response instanceof Response)) throw new Error("expected a Response");
  return response;
}

/** A request body stream that would go on far past `bytes` and declares no length. */
export function endlessBody(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent > bytes * 4) return controller.close();
      sent += 1024;
      controller.enqueue(new Uint8Array(1024).fill(0x61));
    },
  });
}

/** A mailer that accepts everything and remembers what it was given. */
export function recordingMailer(): Mailer & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    name: "resend",
    maxBatchSize: 100,
    sent,
    async send(batch) {
      sent.push(...batch);
      return batch.map(() => ({ status: "sent" as const, providerMessageId: `re-${randomUUID()}` }));
    },
  };
}
