// Reading one flow for its page and editing its email steps. An edit never changes a stored version: it writes the
// next version (the definition with the edited step) and moves the flow's currentVersionId to it, so runs in flight
// keep finishing on the version they started.
import { isDeepStrictEqual } from "node:util";
import { Prisma, type Db, type DbOrTx } from "../db/client.server";
import { emailContentSchema, type EmailContent } from "../domain/email/content";
import { defaultEmailContent } from "../domain/email/defaults";
import { validateTemplateSource } from "../domain/email/liquid";
import { compileEmail, EmailTemplateError, type Brand } from "../domain/email/render";
import type { EmailStep } from "../domain/email/step-content";
import { findStep, parseFlowDefinition, type FlowDefinition } from "../domain/flows/definition";
import { findPreset } from "../domain/flows/presets";
import { createVersion, storedDefinition } from "./flow-definitions.server";
import { searchProfiles } from "./profiles.server";

/** Version history shown on the flow page; older versions are still kept, just not listed. */
const VERSIONS_LISTED = 50;
/** A broken paste can produce one problem per block; the editor shows the first ones. */
const MAX_PROBLEMS = 50;
const SAVE_ATTEMPTS = 3;

/** Only for validation: brand values are the app's own, so any brand compiles the same merchant content. */
const VALIDATION_BRAND: Brand = {
  shopName: "Shop",
  logoUrl: null,
  brandColor: "#1a1a1a",
  postalAddress: null,
  shopUrl: "https://example.myshopify.com",
};

/** One thing wrong with edited content; `block` is the 0-based block index when it is about a block. */
export type ContentProblem = { block: number | null; field: string; message: string };

/** The shop's flow with its current definition (the preset's while it has no version) and its version history. */
export async function getFlowForShop(db: Db, shopId: string, flowId: string) {
  const flow = await db.flow.findFirst({ where: { id: flowId, shopId } });
  if (!flow) return null;
  const [versions, definition] = await Promise.all([
    db.flowVersion.findMany({
      where: { flowId: flow.id, shopId },
      orderBy: { version: "desc" },
      take: VERSIONS_LISTED,
      select: { id: true, version: true, createdAt: true },
    }),
    currentDefinition(db, flow),
  ]);
  const preset = findPreset(flow.preset);
  return {
    flow: { id: flow.id, name: flow.name, status: flow.status, preset: flow.preset, currentVersionId: flow.currentVersionId },
    preset: preset ? { trigger: preset.trigger, description: preset.description, rationale: preset.rationale } : null,
    definition,
    versions: versions.map((v) => ({ ...v, current: v.id === flow.currentVersionId })),
  };
}

export type FlowForShop = NonNullable<Awaited<ReturnType<typeof getFlowForShop>>>;

async function currentDefinition(
  db: DbOrTx,
  flow: { currentVersionId: string | null; preset: string | null }
): Promise<FlowDefinition | null> {
  if (flow.currentVersionId) {
    const version = await db.flowVersion.findUnique({ where: { id: flow.currentVersionId }, select: { definition: true } });
    if (version) return storedDefinition(version.definition);
  }
  return (findPreset(flow.preset)?.definition as FlowDefinition | undefined) ?? null;
}

/** The email step `stepId` of a definition, if it is one. */
export function emailStepIn(definition: FlowDefinition | null, stepId: string): EmailStep | null {
  const step = definition ? findStep(definition, stepId) : undefined;
  return step?.kind === "send_email" ? step : null;
}

function problemAt(path: PropertyKey[], message: string): ContentProblem {
  if (path[0] === "blocks" && typeof path[1] === "number") {
    return { block: path[1], field: path.slice(2).map(String).join(".") || "block", message };
  }
  return { block: null, field: path.map(String).join(".") || "content", message };
}

/**
 * Shapes and Liquid of edited content, without compiling: quick enough for every preview. Problems name the
 * block and field, so the editor can show each beside its block.
 */
export function checkEmailContent(input: unknown): { ok: true; content: EmailContent } | { ok: false; problems: ContentProblem[] } {
  const parsed = emailContentSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.slice(0, MAX_PROBLEMS).map((issue) => problemAt(issue.path, issue.message)) };
  }
  const content = parsed.data;
  const problems: ContentProblem[] = [];
  const check = (block: number | null, field: string, source: string) => {
    const result = validateTemplateSource(source);
    if (!result.ok) problems.push({ block, field, message: result.error });
  };
  check(null, "subject", content.subject);
  check(null, "previewText", content.previewText);
  content.blocks.forEach((block, i) => {
    for (const [field, value] of Object.entries(block)) if (field !== "type" && typeof value === "string") check(i, field, value);
  });
  return problems.length > 0 ? { ok: false, problems: problems.slice(0, MAX_PROBLEMS) } : { ok: true, content };
}

/** checkEmailContent, then a full compile (MJML and Liquid together), as a save needs. */
export async function validateEmailContent(
  input: unknown
): Promise<{ ok: true; content: EmailContent } | { ok: false; problems: ContentProblem[] }> {
  const checked = checkEmailContent(input);
  if (!checked.ok) return checked;
  try {
    await compileEmail(checked.content, VALIDATION_BRAND);
  } catch (error) {
    if (!(error instanceof EmailTemplateError)) throw error;
    return { ok: false, problems: error.problems.map((p) => ({ block: null, field: p.field, message: p.error })) };
  }
  return checked;
}

export type EditResult =
  | { ok: true; version: { id: string; version: number }; changed: boolean }
  /** No such flow in this shop (another shop's id included), or no such step in it. */
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_email_step"; error: string }
  | { ok: false; reason: "invalid"; problems: ContentProblem[] };

/** Saves edited content on a flow's email step as the flow's next version (the subject goes with it). */
export async function saveEmailStep(
  db: Db,
  input: { shopId: string; flowId: string; stepId: string; content: unknown }
): Promise<EditResult> {
  // Another shop's flow is not found whatever the content: checked before the content says anything.
  if (!(await db.flow.findFirst({ where: { id: input.flowId, shopId: input.shopId }, select: { id: true } })))
    return { ok: false, reason: "not_found" };
  const checked = await validateEmailContent(input.content);
  if (!checked.ok) return { ok: false, reason: "invalid", problems: checked.problems };
  const content = checked.content;
  return editEmailStep(db, input, (step) => ({ ...step, subject: content.subject, content }));
}

/** Puts a flow's email step back to its preset's default content and subject, as the flow's next version. */
export async function resetEmailStep(db: Db, input: { shopId: string; flowId: string; stepId: string }): Promise<EditResult> {
  return editEmailStep(db, input, (step, preset) => {
    const { content: _edited, ...rest } = step;
    const presetStep = emailStepIn(preset, step.id);
    const subject =
      presetStep?.template === step.template ? presetStep.subject : defaultEmailContent(step.template)?.subject ?? step.subject;
    return { ...rest, subject };
  });
}

async function editEmailStep(
  db: Db,
  input: { shopId: string; flowId: string; stepId: string },
  change: (step: EmailStep, presetDefinition: FlowDefinition | null) => EmailStep
): Promise<EditResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(async (tx): Promise<EditResult> => {
        // Writing the flow row first locks it: a concurrent edit waits, then reads the version this one makes.
        const locked = await tx.flow.updateMany({ where: { id: input.flowId, shopId: input.shopId }, data: { updatedAt: new Date() } });
        const flow = locked.count === 1 ? await tx.flow.findFirst({ where: { id: input.flowId, shopId: input.shopId } }) : null;
        if (!flow) return { ok: false, reason: "not_found" };
        const current = await currentDefinition(tx, flow);
        const step = current ? findStep(current, input.stepId) : undefined;
        if (!current || !step) return { ok: false, reason: "not_found" };
        if (step.kind !== "send_email") return { ok: false, reason: "not_email_step", error: `Step "${step.id}" does not send an email` };

        const presetDefinition = (findPreset(flow.preset)?.definition as FlowDefinition | undefined) ?? null;
        const edited = change(step, presetDefinition);
        const parsed = parseFlowDefinition({ ...current, steps: current.steps.map((s) => (s.id === step.id ? edited : s)) });
        if (!parsed.ok) return { ok: false, reason: "invalid", problems: [{ block: null, field: "definition", message: parsed.error }] };

        if (flow.currentVersionId && isDeepStrictEqual(asJson(parsed.value), asJson(current))) {
          const same = await tx.flowVersion.findUniqueOrThrow({
            where: { id: flow.currentVersionId },
            select: { id: true, version: true },
          });
          return { ok: true, version: same, changed: false };
        }
        const version = await createVersion(tx, input.shopId, flow.id, parsed.value);
        await tx.flow.update({ where: { id: flow.id }, data: { currentVersionId: version.id } });
        return { ok: true, version: { id: version.id, version: version.version }, changed: true };
      });
    } catch (error) {
      // Another edit of this flow took the same version number: apply ours on top of it.
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") || attempt >= SAVE_ATTEMPTS) throw error;
    }
  }
}

function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** One of the shop's profiles to personalise a preview with; null for another shop's id or a missing one. */
export async function findPreviewProfile(db: Db, shopId: string, profileId: string) {
  return db.profile.findFirst({
    where: { id: profileId, shopId },
    select: { id: true, email: true, firstName: true, lastName: true },
  });
}

/** A few of the shop's profiles matching a search (email or name), for the preview's customer picker. */
export async function listPreviewProfiles(db: Db, shopId: string, query: string) {
  const { profiles } = await searchProfiles(db, shopId, query, 10);
  return profiles.map((p) => ({ id: p.id, label: profileLabel(p) }));
}

/** "Ada Lovelace <ada@example.com>", or whichever part is known. */
export function profileLabel(p: { email: string | null; firstName: string | null; lastName: string | null }): string {
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ");
  if (name && p.email) return `${name} <${p.email}>`;
  return name || p.email || "Unnamed customer";
}
