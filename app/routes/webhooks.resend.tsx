// POST /webhooks/resend: Resend's delivery events (delivered, bounced, complained), signed with the Svix scheme.
// Configure it in Resend's dashboard with this URL and put the endpoint's signing secret in RESEND_WEBHOOK_SECRET.
// Nothing is read or written before the signature holds; the event is then applied to the one message whose
// provider id it names (app/models/email-engagement.server.ts), so it can only ever touch that message's shop.
import type { ActionFunctionArgs } from "@remix-run/node";
import { Webhook, WebhookVerificationError } from "svix";
import { z } from "zod";
import db from "../db.server";
import { env } from "../env.server";
import { readBodyWithin } from "../http/body.server";
import { applyResendDeliveryEvent, type BounceType, type ResendDeliveryEvent } from "../models/email-engagement.server";

/** Resend's email events are a few KB; anything this large is not one. */
export const MAX_RESEND_WEBHOOK_BYTES = 256 * 1024;

const envelopeSchema = z.looseObject({ type: z.string().min(1).max(100), created_at: z.string().max(100).nullish(), data: z.unknown() });
const emailDataSchema = z.looseObject({ email_id: z.string().min(1).max(200) });
const bouncedDataSchema = emailDataSchema.extend({
  bounce: z
    .looseObject({ type: z.string().max(100).nullish(), subType: z.string().max(200).nullish(), message: z.string().nullish() })
    .nullish(),
});

/**
 * Resend's bounce.type (Amazon SES's classification) -> ours: "Permanent" is hard; "Transient" and "Undetermined"
 * are soft. No bounce type at all is hard: Resend sends email.bounced for a permanent rejection.
 */
function bounceTypeOf(type: string | null | undefined): BounceType {
  if (!type) return "hard";
  return type.trim().toLowerCase() === "permanent" ? "hard" : "soft";
}

/** A verified body -> our event: types we do not act on are "ignored", a wrong shape is an error. */
function parseEvent(json: unknown, now: Date): { ok: true; event: ResendDeliveryEvent } | { ok: false; error: string } {
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, error: "not a Resend webhook event" };
  const { type, created_at: createdAt, data } = envelope.data;
  const stated = createdAt ? Date.parse(createdAt) : NaN;
  // The event's own time, but never ahead of ours (it decides the rollup's day).
  const at = Number.isNaN(stated) ? now : new Date(Math.min(stated, now.getTime()));
  switch (type) {
    case "email.delivered":
    case "email.complained": {
      const parsed = emailDataSchema.safeParse(data);
      if (!parsed.success) return { ok: false, error: `${type} without data.email_id` };
      return { ok: true, event: { kind: type === "email.delivered" ? "delivered" : "complained", emailId: parsed.data.email_id, at } };
    }
    case "email.bounced": {
      const parsed = bouncedDataSchema.safeParse(data);
      if (!parsed.success) return { ok: false, error: "email.bounced without data.email_id or with an unreadable bounce" };
      const bounce = parsed.data.bounce;
      const details = { type: bounceTypeOf(bounce?.type), subType: bounce?.subType ?? null, message: bounce?.message?.slice(0, 1000) ?? null };
      return { ok: true, event: { kind: "bounced", emailId: parsed.data.email_id, at, bounce: details } };
    }
    default:
      // email.sent, email.opened, email.clicked (we track those ourselves), email.delivery_delayed, ...
      return { ok: true, event: { kind: "ignored", type } };
  }
}

function answer(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

export async function action({ request }: ActionFunctionArgs): Promise<Response> {
  if (request.method !== "POST") return answer(405, { error: "POST only" });
  const secret = env.RESEND_WEBHOOK_SECRET;
  if (!secret) return answer(503, { error: "not configured: set RESEND_WEBHOOK_SECRET" });

  const body = await readBodyWithin(request, MAX_RESEND_WEBHOOK_BYTES);
  if (body === null) return answer(413, { error: `body larger than ${MAX_RESEND_WEBHOOK_BYTES} bytes` });
  const headers = {
    "svix-id": request.headers.get("svix-id") ?? "",
    "svix-timestamp": request.headers.get("svix-timestamp") ?? "",
    "svix-signature": request.headers.get("svix-signature") ?? "",
  };
  if (!headers["svix-id"] || !headers["svix-timestamp"] || !headers["svix-signature"]) {
    return answer(401, { error: "missing Svix signature headers" });
  }

  let json: unknown;
  try {
    // Checks the signature over id, timestamp and body, and refuses timestamps more than 5 minutes off (replays).
    json = new Webhook(secret).verify(body, headers);
  } catch (error) {
    if (error instanceof WebhookVerificationError) return answer(401, { error: "invalid signature" });
    // Only parsed once the signature matched: a signed body that is not JSON.
    if (error instanceof SyntaxError) return answer(400, { error: "body is not valid JSON" });
    throw error;
  }
  const parsed = parseEvent(json, new Date());
  if (!parsed.ok) return answer(400, { error: parsed.error });
  // Unknown messages (another environment's, or sent before tracking) are acknowledged: Resend would only retry.
  const { outcome } = await applyResendDeliveryEvent(db, parsed.event);
  return answer(200, { ok: true, outcome });
}

export const loader = () => answer(405, { error: "POST only" });
