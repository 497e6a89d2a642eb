/**
 * Lead scoring rules as the merchant sets them (Lead scoring page): points per event (with the flows' property
 * filters), points per profile property value, a half-life, per-rule and total caps, and the sales-ready threshold.
 * Stored as JSON on ShopSettings.leadScoring; parsed here, never trusted as stored.
 */
import { z } from "zod";
import { HUMAN_OPEN } from "../flows/conditions";
import { fromJsonText } from "../json-text";
import { FLOW_EVENT_NAMES, propertyFilterSchema, type PropertyFilter } from "../flows/definition";

/** The event a threshold crossing emits: a flow trigger like any canonical event. */
export const SALES_READY_EVENT = "Became Sales-Ready";

/** Events a rule may score: everything a flow condition may count, except the crossing itself (it would feed back). */
export const SCORABLE_EVENT_NAMES: readonly string[] = [...new Set(FLOW_EVENT_NAMES)].filter((name) => name !== SALES_READY_EVENT);

export const SCORING_LIMITS = {
  rules: 50,
  filtersPerRule: 5,
  points: 1_000,
  cap: 10_000,
  threshold: { min: 1, max: 100_000 },
  halfLifeDays: { min: 1, max: 3_650 },
  maxScore: { min: 1, max: 1_000_000 },
} as const;

const wholeNumber = (label: string, range: { min: number; max: number }) =>
  z
    .number(`${label} must be a number`)
    .int(`${label} must be a whole number`)
    .min(range.min, `${label} must be between ${range.min} and ${range.max}`)
    .max(range.max, `${label} must be between ${range.min} and ${range.max}`);

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "a rule id is lower-case letters, digits, _ and - (at most 40)");
const points = z
  .number("Points must be a number")
  .int("Points must be a whole number")
  .min(-SCORING_LIMITS.points, `Points must be between -${SCORING_LIMITS.points} and ${SCORING_LIMITS.points}`)
  .max(SCORING_LIMITS.points, `Points must be between -${SCORING_LIMITS.points} and ${SCORING_LIMITS.points}`)
  .refine((p) => p !== 0, "Points must not be 0");

/** Filters on the scored event's own properties; comparing with a trigger makes no sense here. */
const eventFilter = propertyFilterSchema.refine((f) => !("valueFromTrigger" in f), "a scoring filter compares with a value");

export const eventRuleSchema = z.strictObject({
  id: ruleId,
  event: z.enum(FLOW_EVENT_NAMES, "Choose an event from the list").refine((name) => name !== SALES_READY_EVENT, "A rule cannot score the crossing itself"),
  where: z.array(eventFilter).max(SCORING_LIMITS.filtersPerRule).optional(),
  points,
  /** The most this rule's (decaying) points may add up to; further events add nothing until they decay. */
  cap: wholeNumber("A rule's limit", { min: 1, max: SCORING_LIMITS.cap }).optional(),
});
export type EventRule = z.infer<typeof eventRuleSchema>;

/** Points held while a profile field (ordersCount, properties.company, ...) matches: no decay, gone when it stops matching. */
export const propertyRuleSchema = z.strictObject({
  id: ruleId,
  filter: eventFilter,
  points,
});
export type PropertyRule = z.infer<typeof propertyRuleSchema>;

export const scoringConfigSchema = z
  .strictObject({
    enabled: z.boolean(),
    threshold: wholeNumber("The sales-ready score", SCORING_LIMITS.threshold),
    halfLifeDays: wholeNumber("The half-life", SCORING_LIMITS.halfLifeDays),
    /** The score never shows more than this, whatever the rules add. */
    maxScore: wholeNumber("The highest score", SCORING_LIMITS.maxScore),
    eventRules: z.array(eventRuleSchema).max(SCORING_LIMITS.rules),
    propertyRules: z.array(propertyRuleSchema).max(SCORING_LIMITS.rules),
  })
  .superRefine((config, ctx) => {
    const ids = [...config.eventRules, ...config.propertyRules].map((r) => r.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) ctx.addIssue({ code: "custom", path: ["eventRules"], message: `Two rules share the id "${duplicate}"` });
    if (config.threshold > config.maxScore) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "The threshold must not exceed the maximum score" });
    }
  });
export type ScoringConfig = z.infer<typeof scoringConfigSchema>;

const HUMAN_OPENS_ONLY: PropertyFilter[] = [HUMAN_OPEN];

/** What a shop starts with: shopping intent and email engagement, sales-ready at 20, halving every two weeks. */
export const DEFAULT_SCORING: ScoringConfig = {
  enabled: true,
  threshold: 20,
  halfLifeDays: 14,
  maxScore: 100,
  eventRules: [
    { id: "viewed_product", event: "Viewed Product", points: 1, cap: 10 },
    { id: "added_to_cart", event: "Added to Cart", points: 3, cap: 15 },
    { id: "started_checkout", event: "Started Checkout", points: 5 },
    { id: "opened_email", event: "Opened Email", where: HUMAN_OPENS_ONLY, points: 1, cap: 5 },
    { id: "clicked_email", event: "Clicked Email", points: 2, cap: 10 },
  ],
  propertyRules: [],
};

/** On failure: every problem (`error`), and the first one's place and message, for showing beside a field. */
export type ScoringParse = { ok: true; value: ScoringConfig } | { ok: false; error: string; path: string | null; message: string };

/** Validates a scoring configuration (an object or its JSON text); never throws. */
export function parseScoringConfig(json: unknown): ScoringParse {
  const text = fromJsonText(json);
  if (!text.ok) return { ...text, path: null, message: "The rules could not be read" };
  const parsed = scoringConfigSchema.safeParse(text.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = parsed.error.issues[0];
  return { ok: false, error: z.prettifyError(parsed.error), path: first ? first.path.map(String).join(".") : null, message: first?.message ?? "Invalid rules" };
}

/** The stored configuration, or the defaults when none is stored; a stored value that no longer parses reads as off. */
export function storedScoringConfig(json: unknown): ScoringConfig {
  if (json === null || json === undefined) return DEFAULT_SCORING;
  const parsed = parseScoringConfig(json);
  return parsed.ok ? parsed.value : { ...DEFAULT_SCORING, enabled: false };
}
