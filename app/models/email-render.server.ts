// Turns a queued Message into the email its recipient gets (deliverQueued's preparer), and renders previews and
// test sends for the editor. Everything personal is read at delivery time: the profile, the brand, the run's
// triggering event; the recipient's discount code is created in Shopify here, lazily, only for emails that go out.
import { randomUUID } from "node:crypto";
import type { Db, Message } from "../db/client.server";
import type { EmailContent } from "../domain/email/content";
import { describeDiscount, discountCodeFor, discountTitle } from "../domain/email/discount-code";
import { decorateDestination } from "../domain/email/links";
import { brandKey, compileEmail, createCompileCache, EmailRenderError, renderEmail, type Brand, type RenderedEmail } from "../domain/email/render";
import { emailContentOfStep, type EmailStep } from "../domain/email/step-content";
import { emailTracker, preferencesUrl, unsubscribeUrl } from "../domain/email/tracking-token";
import { buildTemplateVariables, sampleTemplateVariables } from "../domain/email/variables";
import type { JsonObject } from "../domain/events/types";
import { signProfileToken } from "../domain/profile-token";
import type { Mailer } from "../services/mailer/types";
import { storedDefinition as storedCampaign } from "./campaigns.server";
import { storedDefinition } from "./flow-definitions.server";
import type { MessagePreparer, PrepareResult } from "./message-prepare.server";
import { formatAddress } from "./messages.server";

const DAY_MS = 86_400_000;
/** How long the profile token in email links identifies the visitor to the web pixel. */
const PROFILE_TOKEN_DAYS = 30;

export type DiscountRequest = {
  shop: { id: string; domain: string; isDemo: boolean };
  code: string;
  title: string;
  kind: "percentage" | "fixed_amount";
  value: number;
  startsAt: Date;
  endsAt: Date;
  shopifyCustomerId: string | null;
};
/** endsAt: the code's real expiry (a code created on an earlier attempt keeps its own), null if it has none. */
export type DiscountResult = { ok: true; code: string; endsAt: Date | null } | { ok: false; error: string; retryable: boolean };
/** Creates (or finds, when it exists already) the recipient's discount code in the shop. */
export type DiscountIssuer = (request: DiscountRequest) => Promise<DiscountResult>;

export type EmailRenderDeps = {
  /** SESSION_SECRET: signs tracking, unsubscribe and profile tokens, and derives discount codes. */
  secret: string;
  /** SHOPIFY_APP_URL: where tracking and unsubscribe links point. */
  appUrl: string;
  discounts: DiscountIssuer;
};

type ShopRow = {
  id: string;
  domain: string;
  name: string;
  currency: string;
  isDemo: boolean;
  settings: { brandColor: string; logoUrl: string | null; postalAddress: string | null } | null;
};

const cache = createCompileCache(500);

/** The shop's brand as emails show it. */
export function brandOf(shop: ShopRow): Brand {
  return {
    shopName: shop.name,
    logoUrl: shop.settings?.logoUrl ?? null,
    brandColor: shop.settings?.brandColor ?? "#1a1a1a",
    postalAddress: shop.settings?.postalAddress ?? null,
    shopUrl: `https://${shop.domain}`,
  };
}

const shopSelect = {
  id: true,
  domain: true,
  name: true,
  currency: true,
  isDemo: true,
  settings: { select: { brandColor: true, logoUrl: true, postalAddress: true } },
} as const;

/** The host names of the shop's own storefront: links there carry the profile token for the web pixel. */
function shopHosts(shop: ShopRow, trigger: JsonObject | null): string[] {
  const hosts = new Set([shop.domain]);
  for (const value of Object.values(trigger ?? {})) {
    if (typeof value !== "string" || !/^https:\/\//i.test(value)) continue;
    try {
      hosts.add(new URL(value).hostname);
    } catch {
      // not a URL after all
    }
  }
  return [...hosts];
}

/** deliverQueued's preparer for flow emails: renders each message for its recipient, with its discount code. */
export function createMessagePreparer(db: Db, deps: EmailRenderDeps): MessagePreparer {
  return async (messages, now) => {
    const [shops, profiles, runs, versions, campaigns] = await Promise.all([
      db.shop.findMany({ where: { id: { in: unique(messages.map((m) => m.shopId)) } }, select: shopSelect }),
      db.profile.findMany({
        where: { id: { in: unique(messages.map((m) => m.profileId)) } },
        select: { id: true, shopId: true, firstName: true, lastName: true, email: true, properties: true, shopifyCustomerId: true },
      }),
      db.flowRun.findMany({ where: { id: { in: unique(messages.map((m) => m.runId)) } }, select: { id: true, state: true } }),
      db.flowVersion.findMany({ where: { id: { in: unique(messages.map((m) => m.flowVersionId)) } }, select: { id: true, definition: true } }),
      db.campaign.findMany({ where: { id: { in: unique(messages.map((m) => m.campaignId)) } }, select: { id: true, shopId: true, definition: true } }),
    ]);
    const campaignById = new Map(campaigns.map((c) => [c.id, c]));
    const shopById = new Map(shops.map((s) => [s.id, s]));
    const profileById = new Map(profiles.map((p) => [p.id, p]));
    const runById = new Map(runs.map((r) => [r.id, r]));
    const versionById = new Map(versions.map((v) => [v.id, v]));

    const results: PrepareResult[] = [];
    for (const message of messages) {
      const shop = shopById.get(message.shopId);
      const profile = profileById.get(message.profileId);
      const version = message.flowVersionId ? versionById.get(message.flowVersionId) : undefined;
      if (!shop || !profile || profile.shopId !== message.shopId) {
        results.push({ status: "failed", reason: "profile_missing" });
        continue;
      }
      const campaign = message.campaignId ? campaignById.get(message.campaignId) : undefined;
      const step = version
        ? emailStepOf(version.definition, message.stepId)
        : campaign && campaign.shopId === message.shopId
          ? campaignEmailStep(campaign.definition, message.variant)
          : null;
      if (!step) {
        results.push({ status: "failed", reason: campaign ? "variant not found in its campaign" : "email step not found in its flow version" });
        continue;
      }
      const run = message.runId ? runById.get(message.runId) : undefined;
      results.push(await prepareOne({ message, shop, profile, step, trigger: triggerOf(run?.state), deps, now }));
    }
    return results;
  };
}

async function prepareOne(input: {
  message: Message;
  shop: ShopRow;
  profile: { id: string; firstName: string | null; lastName: string | null; email: string | null; properties: unknown; shopifyCustomerId: string | null };
  step: EmailStep;
  trigger: { name: string; properties: JsonObject } | null;
  deps: EmailRenderDeps;
  now: Date;
}): Promise<PrepareResult> {
  const { message, shop, profile, step, trigger, deps, now } = input;
  const brand = brandOf(shop);
  const content = emailContentOfStep(step);
  let compiled;
  try {
    compiled = await cache.get(`${message.flowVersionId ?? `campaign:${message.campaignId}`}:${step.id}:${brandKey(brand)}`, () => compileEmail(content, brand));
  } catch (error) {
    return { status: "failed", reason: `template: ${error instanceof Error ? error.message : String(error)}` };
  }

  let discount: { code: string; description: string; expiresAt: Date } | null = null;
  if (step.discount) {
    const code = discountCodeFor({ secret: deps.secret, messageId: message.id, prefix: step.template.split("_")[0] });
    const endsAt = new Date(now.getTime() + step.discount.expiresInDays * DAY_MS);
    const description = describeDiscount({ kind: step.discount.kind, value: step.discount.value, currency: shop.currency });
    const issued = await deps.discounts({
      shop,
      code,
      title: discountTitle({ name: step.name ?? step.subject, description, code }),
      kind: step.discount.kind,
      value: step.discount.value,
      startsAt: now,
      endsAt,
      shopifyCustomerId: profile.shopifyCustomerId,
    });
    if (!issued.ok) {
      return issued.retryable
        ? { status: "retry", afterMs: 60_000, reason: `discount: ${issued.error}` }
        : { status: "failed", reason: `discount: ${issued.error}` };
    }
    discount = { code: issued.code, description, expiresAt: issued.endsAt ?? endsAt };
  }

  const ids = { secret: deps.secret, appUrl: deps.appUrl, shopId: shop.id, profileId: profile.id, messageId: message.id };
  const variables = buildTemplateVariables({
    profile: { firstName: profile.firstName, lastName: profile.lastName, email: profile.email, properties: asObject(profile.properties) },
    shop: brand,
    trigger,
    discount,
    links: { unsubscribe: unsubscribeUrl(ids), preferences: preferencesUrl(ids) },
  });
  const profileToken = signProfileToken({ shopId: shop.id, profileId: profile.id, expiresAt: new Date(now.getTime() + PROFILE_TOKEN_DAYS * DAY_MS) }, deps.secret);
  const hosts = shopHosts(shop, trigger?.properties ?? null);
  let rendered: RenderedEmail;
  try {
    rendered = renderEmail(compiled, variables, {
      tracker: emailTracker({ secret: deps.secret, appUrl: deps.appUrl, shopId: shop.id, messageId: message.id }),
      decorate: (url) =>
        decorateDestination(url, {
          utm: { source: "shop-flows", medium: "email", campaign: step.template, content: step.id },
          profileToken,
          profileTokenParam: "_sft",
          shopHosts: hosts,
        }),
    });
  } catch (error) {
    // The template stopped on this recipient's data (a limit hit); another attempt would stop the same way.
    if (error instanceof EmailRenderError) return { status: "failed", reason: `template: ${error.message}` };
    throw error;
  }
  return { status: "ready", content: { subject: rendered.subject, html: rendered.html, text: rendered.text, discountCode: discount?.code ?? null } };
}

function emailStepOf(definition: unknown, stepId: string | null): EmailStep | null {
  if (!stepId) return null;
  try {
    const step = storedDefinition(definition).steps.find((s) => s.id === stepId);
    return step?.kind === "send_email" ? step : null;
  } catch {
    return null;
  }
}

function triggerOf(state: unknown): { name: string; properties: JsonObject } | null {
  const trigger = asObject(asObject(state).trigger);
  return typeof trigger.name === "string" ? { name: trigger.name, properties: asObject(trigger.properties) } : null;
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : {};
}

function unique(values: Array<string | null>): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}

// ---------------------------------------------------------------------------------------------------------------
// The editor: previews and test sends.

/** Events whose properties personalise a preview for a real profile: the newest of them is used as the trigger. */
const PREVIEW_TRIGGERS = ["Started Checkout", "Updated Checkout", "Placed Order", "Viewed Product"];

export type PreviewResult = { ok: true; email: RenderedEmail } | { ok: false; error: string };

/** Renders content for one of the shop's profiles (its newest checkout, order or viewed product) or sample data. */
export async function previewEmail(db: Db, input: { shopId: string; content: EmailContent; profileId: string | null; now: Date }): Promise<PreviewResult> {
  const shop = await db.shop.findUnique({ where: { id: input.shopId }, select: shopSelect });
  if (!shop) return { ok: false, error: "shop not found" };
  const brand = brandOf(shop);
  let variables;
  if (input.profileId) {
    const profile = await db.profile.findFirst({ where: { id: input.profileId, shopId: shop.id } });
    if (!profile) return { ok: false, error: "profile not found" };
    const event = await db.event.findFirst({
      where: { shopId: shop.id, profileId: profile.id, name: { in: PREVIEW_TRIGGERS } },
      orderBy: { occurredAt: "desc" },
      select: { name: true, properties: true },
    });
    const sample = sampleTemplateVariables(brand, { now: input.now });
    variables = buildTemplateVariables({
      profile: { firstName: profile.firstName, lastName: profile.lastName, email: profile.email, properties: asObject(profile.properties) },
      shop: brand,
      trigger: event ? { name: event.name, properties: asObject(event.properties) } : null,
      discount: sample.discount ? { code: "PREVIEW-CODE", description: sample.discount.description, expiresAt: new Date(input.now.getTime() + 14 * DAY_MS) } : null,
      links: { unsubscribe: "#unsubscribe", preferences: "#preferences" },
    });
  } else {
    variables = sampleTemplateVariables(brand, { now: input.now });
  }
  try {
    const compiled = await compileEmail(input.content, brand);
    return { ok: true, email: renderEmail(compiled, variables, { tracker: null, decorate: (url) => url }) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Sends the content once to `toEmail` (the merchant), marked as a test, straight through the mailer: it is not a
 * Message, so it counts nowhere and never reaches a customer's timeline.
 */
export async function sendTestEmail(
  db: Db,
  mailer: Mailer,
  input: { shopId: string; content: EmailContent; toEmail: string; profileId: string | null; now: Date; defaultFrom?: string },
): Promise<{ ok: true; providerMessageId: string | null } | { ok: false; error: string }> {
  const preview = await previewEmail(db, input);
  if (!preview.ok) return preview;
  const shop = await db.shop.findUniqueOrThrow({ where: { id: input.shopId }, select: { name: true, settings: { select: { senderName: true, senderEmail: true, replyToEmail: true } } } });
  const s = shop.settings;
  const from = s?.senderEmail ? formatAddress(s.senderName || shop.name, s.senderEmail) : input.defaultFrom;
  if (!from) return { ok: false, error: "Set a sender address in Settings first." };
  const [result] = await mailer.send([
    {
      shopId: input.shopId,
      // Every click on "send test" is its own email.
      idempotencyKey: `test:${randomUUID()}`,
      from,
      to: input.toEmail,
      ...(s?.replyToEmail ? { replyTo: s.replyToEmail } : {}),
      subject: `[Test] ${preview.email.subject}`,
      html: preview.email.html,
      text: preview.email.text,
      headers: {},
      tags: [{ name: "test", value: "true" }],
    },
  ]);
  if (result.status === "sent") return { ok: true, providerMessageId: result.providerMessageId };
  return { ok: false, error: result.reason };
}

/** A campaign variant as an email step, so campaigns render, track and decorate links exactly like flow emails. */
function campaignEmailStep(definition: unknown, variantId: string): EmailStep | null {
  const variant = storedCampaign(definition)?.variants.find((v) => v.id === variantId);
  if (!variant) return null;
  return { kind: "send_email", id: variant.id, template: "campaign", subject: variant.subject, next: null, ...(variant.content ? { content: variant.content } : {}) };
}
