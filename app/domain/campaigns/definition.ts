/**
 * A campaign as the merchant defines it: a one-off email to segments minus exclusion segments, sent now, at an
 * instant, or at a local time in each recipient's timezone, optionally as an A/B test. Pure; zod at the edge.
 */
import { z } from "zod";
import { timeOfDay } from "../flows/definition";
import { parseLocalDate } from "../flows/zoned-time";
import { emailContentSchema } from "../email/content";

export const LIMITS = {
  name: 200,
  subject: 300,
  segments: 20,
  variants: 4,
  testPercent: { min: 5, max: 50 },
  testWindowHours: { min: 1, max: 168 },
  /** A schedule further out than this is almost certainly a typo (2062 for 2026). */
  scheduleDaysAhead: 366,
} as const;

const id = z.string().min(1).max(64);
const variantId = z.string().regex(/^[a-z0-9_-]{1,32}$/, "a variant id is lower-case letters, digits, - or _");

export const variantSchema = z.strictObject({
  id: variantId,
  subject: z.string().trim().min(1, "a subject").max(LIMITS.subject),
  /** Absent: the default campaign content. */
  content: emailContentSchema.optional(),
});
export type CampaignVariant = z.infer<typeof variantSchema>;

export const WINNER_METRICS = ["click", "revenue"] as const;
export type WinnerMetric = (typeof WINNER_METRICS)[number];

export const abTestSchema = z.strictObject({
  /** Share of the audience (percent) that receives the variants; the rest later gets the winner. */
  testPercent: z.number().int().min(LIMITS.testPercent.min).max(LIMITS.testPercent.max),
  metric: z.enum(WINNER_METRICS),
  windowHours: z.number().int().min(LIMITS.testWindowHours.min).max(LIMITS.testWindowHours.max),
});
export type AbTest = z.infer<typeof abTestSchema>;

export const scheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("now") }),
  z.strictObject({ kind: z.literal("at"), at: z.iso.datetime({ offset: true }) }),
  /** The same wall-clock time on a calendar date in each recipient's timezone. */
  z.strictObject({
    kind: z.literal("local_time"),
    date: z.string().refine((d) => parseLocalDate(d) !== null, "a calendar date YYYY-MM-DD"),
    time: timeOfDay,
  }),
]);
export type CampaignSchedule = z.infer<typeof scheduleSchema>;

export const campaignDefinitionSchema = z
  .strictObject({
    name: z.string().trim().min(1, "a name").max(LIMITS.name),
    segmentIds: z.array(id).min(1, "at least one segment").max(LIMITS.segments),
    excludeSegmentIds: z.array(id).max(LIMITS.segments),
    variants: z.array(variantSchema).min(1).max(LIMITS.variants),
    abTest: abTestSchema.optional(),
    schedule: scheduleSchema,
    /** Skip recipients emailed within the shop's smart-sending window (on by default, as for flows). */
    smartSending: z.boolean(),
  })
  .superRefine((c, ctx) => {
    for (const problem of definitionProblems(c)) ctx.addIssue({ code: "custom", message: problem });
  });
export type CampaignDefinition = z.infer<typeof campaignDefinitionSchema>;

/** Rules across fields that zod's shapes cannot say. */
function definitionProblems(c: {
  segmentIds: string[];
  excludeSegmentIds: string[];
  variants: { id: string }[];
  abTest?: AbTest;
}): string[] {
  const problems: string[] = [];
  if (new Set(c.segmentIds).size !== c.segmentIds.length) problems.push("a segment is chosen twice");
  const included = new Set(c.segmentIds);
  if (c.excludeSegmentIds.some((s) => included.has(s))) problems.push("a segment cannot be both included and excluded");
  if (new Set(c.variants.map((v) => v.id)).size !== c.variants.length) problems.push("variant ids must differ");
  if (c.abTest && c.variants.length < 2) problems.push("an A/B test needs at least two variants");
  if (!c.abTest && c.variants.length > 1) problems.push("more than one variant needs an A/B test");
  return problems;
}

export type CampaignParseResult = { ok: true; value: CampaignDefinition } | { ok: false; error: string };

/** Validates a definition from outside; the first problem as a sentence the merchant can act on. */
export function parseCampaignDefinition(input: unknown): CampaignParseResult {
  const parsed = campaignDefinitionSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return { ok: false, error: `${where}${issue?.message ?? "invalid campaign"}` };
}

/** A schedule's problems against the clock: in the past, or too far ahead (checked when scheduling, not on load). */
export function scheduleProblem(schedule: CampaignSchedule, now: Date): string | null {
  if (schedule.kind === "at") {
    const at = Date.parse(schedule.at);
    if (at < now.getTime() - 60_000) return "the send time is in the past";
    if (at > now.getTime() + LIMITS.scheduleDaysAhead * 86_400_000) return "the send time is more than a year ahead";
  }
  if (schedule.kind === "local_time") {
    const date = parseLocalDate(schedule.date)!;
    const day = Date.UTC(date.year, date.month - 1, date.day);
    // Earliest timezone (UTC+14) reaches a date 14 h before UTC does; a date already over everywhere is past.
    if (day + 86_400_000 + 12 * 3_600_000 < now.getTime()) return "the send date is in the past";
    if (day > now.getTime() + LIMITS.scheduleDaysAhead * 86_400_000) return "the send date is more than a year ahead";
  }
  return null;
}
