/** A flow definition is data: this module is its schema and the graph checks zod cannot express. */
import { z } from "zod";
import { emailContentSchema } from "../email/content";
import { fromJsonText } from "../json-text";
import { CANONICAL_EVENT_NAMES, type JsonObject, type JsonValue } from "../events/types";

/** Email engagement events (from Resend webhooks) a condition may count; not in the canonical list yet. */
export const EMAIL_EVENT_NAMES = [
  "Received Email",
  "Opened Email",
  "Clicked Email",
  "Bounced Email",
  "Marked Email as Spam",
] as const;
export const FLOW_EVENT_NAMES = [...CANONICAL_EVENT_NAMES, ...EMAIL_EVENT_NAMES] as const;
export type FlowEventName = (typeof FLOW_EVENT_NAMES)[number];

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
export const jsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), jsonValue);
const jsonObject = jsonObjectSchema;

const stepId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "step ids are lower-case letters, digits, _ and -");
const next = stepId.nullable();
const path = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, "a dot path such as properties.birthday");
/** "HH:MM", 24-hour, in the shop's timezone. */
export const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day HH:MM");

export const durationSchema = z.strictObject({
  amount: z.number().int().min(0).max(100_000),
  unit: z.enum(["minutes", "hours", "days"]),
});
export type Duration = z.infer<typeof durationSchema>;

const COMPARE_OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "contains", "in"] as const;
const EXISTENCE_OPS = ["exists", "not_exists"] as const;
export type CompareOp = (typeof COMPARE_OPS)[number] | (typeof EXISTENCE_OPS)[number];

const filterShapes = {
  value: { path, op: z.enum(COMPARE_OPS), value: jsonValue },
  /** Compares with the trigger event's property, e.g. the same orderId as the order that started the run. */
  fromTrigger: { path, op: z.enum(COMPARE_OPS), valueFromTrigger: path },
  existence: { path, op: z.enum(EXISTENCE_OPS) },
};

export const propertyFilterSchema = z.union([
  z.strictObject(filterShapes.value),
  z.strictObject(filterShapes.fromTrigger),
  z.strictObject(filterShapes.existence),
]);
export type PropertyFilter = z.infer<typeof propertyFilterSchema>;

/** "flow_start": since the trigger event (the trigger itself excluded); {days}: within the last D days of `now`. */
export type EventWindow = "flow_start" | "ever" | { days: number };

export type Condition =
  | (PropertyFilter & { kind: "profile" })
  | {
      kind: "event_count";
      event: FlowEventName;
      where?: PropertyFilter[];
      since: EventWindow;
      atLeast?: number;
      atMost?: number;
    }
  | { kind: "all"; of: Condition[] }
  | { kind: "any"; of: Condition[] }
  | { kind: "not"; condition: Condition };

const eventWindow = z.union([
  z.literal("flow_start"),
  z.literal("ever"),
  z.strictObject({ days: z.number().int().min(1).max(3660) }),
]);
const count = z.number().int().min(0);

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ kind: z.literal("profile"), ...filterShapes.value }),
    z.strictObject({ kind: z.literal("profile"), ...filterShapes.fromTrigger }),
    z.strictObject({ kind: z.literal("profile"), ...filterShapes.existence }),
    z
      .strictObject({
        kind: z.literal("event_count"),
        event: z.enum(FLOW_EVENT_NAMES),
        where: z.array(propertyFilterSchema).optional(),
        since: eventWindow,
        atLeast: count.optional(),
        atMost: count.optional(),
      })
      .refine((c) => c.atLeast !== undefined || c.atMost !== undefined, "event_count needs atLeast or atMost"),
    z.strictObject({ kind: z.literal("all"), of: z.array(conditionSchema) }),
    z.strictObject({ kind: z.literal("any"), of: z.array(conditionSchema).min(1) }),
    z.strictObject({ kind: z.literal("not"), condition: conditionSchema }),
  ]),
);

export const triggerSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("event"),
    event: z.enum(CANONICAL_EVENT_NAMES),
    /** Trigger filters: on the triggering event's own properties. */
    where: z.array(propertyFilterSchema).optional(),
  }),
  z.strictObject({
    kind: z.literal("date_property"),
    /** A profile field such as properties.birthday (YYYY-MM-DD) or firstOrderAt. */
    property: path,
    offsetDays: z.number().int().min(-365).max(365).optional(),
    time: timeOfDay.optional(),
  }),
  z.strictObject({ kind: z.literal("list"), listId: z.string().min(1) }),
  /** Someone started matching a saved segment (its "Entered Segment" event). */
  z.strictObject({ kind: z.literal("segment"), segmentId: z.string().min(1).max(64) }),
  z.strictObject({
    kind: z.literal("engagement"),
    receivedAtLeast: z.number().int().min(1),
    withinDays: z.number().int().min(1).max(3660),
    /** None of these may have happened within the window. */
    noneOf: z.array(z.enum(FLOW_EVENT_NAMES)).min(1),
  }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const delaySchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("duration"),
    duration: durationSchema,
    /** "step": from when the run reached this step; "flow_start": from the trigger event. */
    from: z.enum(["step", "flow_start"]),
  }),
  z.strictObject({ kind: z.literal("time_of_day"), time: timeOfDay }),
  z.strictObject({
    kind: z.literal("date_property"),
    property: path,
    offsetDays: z.number().int().min(-365).max(365).optional(),
    time: timeOfDay.optional(),
    ifMissing: z.enum(["continue", "exit"]),
  }),
  z.strictObject({
    /** The later of `minimum` and `multiple` x the profile's average days between orders, from flow start. */
    kind: z.literal("order_gap"),
    multiple: z.number().positive().max(100),
    minimum: durationSchema,
  }),
  z.strictObject({
    /** Until a matching event (any time since flow start) plus `offset`; gives up `timeout` after reaching the step. */
    kind: z.literal("event"),
    event: z.enum(FLOW_EVENT_NAMES),
    where: z.array(propertyFilterSchema).optional(),
    offset: durationSchema,
    timeout: durationSchema,
    onTimeout: z.enum(["continue", "exit"]),
  }),
]);
export type Delay = z.infer<typeof delaySchema>;

const base = { id: stepId, name: z.string().max(200).optional() };
const reason = z.string().regex(/^[a-z0-9_]{1,64}$/, "a reason is snake_case");

export const stepSchema = z.discriminatedUnion("kind", [
  z.strictObject({ ...base, kind: z.literal("delay"), wait: delaySchema, next }),
  z.strictObject({ ...base, kind: z.literal("condition"), condition: conditionSchema, yes: next, no: next }),
  z.strictObject({
    ...base,
    kind: z.literal("ab_split"),
    variants: z
      .array(z.strictObject({ id: z.string().regex(/^[a-z0-9_-]{1,32}$/), weight: z.number().int().min(1).max(10_000), next }))
      .min(2),
  }),
  z.strictObject({
    ...base,
    kind: z.literal("send_email"),
    template: z.string().min(1),
    subject: z.string().min(1).max(300),
    /** Overrides the shop's smart-sending window; 0 turns it off for this step. */
    smartSendingHours: z.number().int().min(0).max(720).optional(),
    discount: z
      .strictObject({
        kind: z.enum(["percentage", "fixed_amount"]),
        value: z.number().positive(),
        expiresInDays: z.number().int().min(1).max(365),
      })
      .optional(),
    /** The merchant's edited blocks; absent means the preset's default content for `template`. */
    content: emailContentSchema.optional(),
    next,
  }),
  z.strictObject({
    ...base,
    kind: z.literal("update_profile"),
    /** Custom profile properties to set (Profile.properties); computed fields are not writable. */
    set: jsonObject,
    /** Adds the profile's email to the suppression list with this reason (reversible: the worker records it). */
    suppress: z.strictObject({ reason }).optional(),
    next,
  }),
  z.strictObject({
    ...base,
    kind: z.literal("tag_customer"),
    add: z.array(z.string().min(1).max(255)),
    remove: z.array(z.string().min(1).max(255)),
    next,
  }),
  z.strictObject({ ...base, kind: z.literal("webhook"), url: z.url({ protocol: /^https$/ }), body: jsonObject.optional(), next }),
  z.strictObject({ ...base, kind: z.literal("exit"), reason }),
]);
export type Step = z.infer<typeof stepSchema>;
export type StepKind = Step["kind"];

export const reentrySchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("never") }),
  /** A new run once the previous one has finished. */
  z.strictObject({ mode: z.literal("after_exit") }),
  /** A new run when no run is active and none started within `days`. */
  z.strictObject({ mode: z.literal("after_days"), days: z.number().int().min(1).max(3660) }),
  /** Every trigger event starts its own run, even alongside active ones (e.g. one per order). */
  z.strictObject({ mode: z.literal("every_trigger") }),
]);
export type Reentry = z.infer<typeof reentrySchema>;

export const flowDefinitionSchema = z.strictObject({
  schemaVersion: z.literal(1),
  trigger: triggerSchema,
  /** Flow filters: all must hold at entry and before every send. */
  filters: z.array(conditionSchema),
  /** Checked before anything else on every advance; the first that holds ends the run. */
  exits: z.array(z.strictObject({ reason, when: conditionSchema })),
  reentry: reentrySchema,
  /** Share of entrants (0-100) who run the flow without sends; absent: the shop's setting. */
  holdoutPercent: z.number().min(0).max(100).optional(),
  /** Trigger events older than this at entry are ignored (history imports must not start runs). Default 24. */
  maxTriggerAgeHours: z.number().int().min(1).max(24 * 400).optional(),
  start: stepId,
  steps: z.array(stepSchema).min(1).max(200),
});
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;

export type ParseResult = { ok: true; value: FlowDefinition } | { ok: false; error: string };

/** The step ids a step can go to next (null ends the run). */
export function successors(step: Step): (string | null)[] {
  switch (step.kind) {
    case "condition":
      return [step.yes, step.no];
    case "ab_split":
      return step.variants.map((v) => v.next);
    case "exit":
      return [];
    default:
      return [step.next];
  }
}

/** Structural problems zod cannot see: dangling ids, duplicates, cycles, unreachable steps. */
export function graphProblems(definition: FlowDefinition): string[] {
  const problems: string[] = [];
  const byId = new Map<string, Step>();
  for (const step of definition.steps) {
    if (byId.has(step.id)) problems.push(`duplicate step id "${step.id}"`);
    byId.set(step.id, step);
    if (step.kind === "ab_split" && new Set(step.variants.map((v) => v.id)).size !== step.variants.length) {
      problems.push(`step "${step.id}" has duplicate variant ids`);
    }
    for (const target of successors(step)) {
      if (target !== null && !definition.steps.some((s) => s.id === target)) {
        problems.push(`step "${step.id}" points to unknown step "${target}"`);
      }
    }
  }
  if (!byId.has(definition.start)) problems.push(`start step "${definition.start}" does not exist`);
  if (problems.length > 0) return problems;

  // Depth-first search: a cycle would let a run visit a step twice and reuse its idempotency key.
  const state = new Map<string, "open" | "done">();
  const visit = (id: string): void => {
    state.set(id, "open");
    for (const target of successors(byId.get(id)!)) {
      if (target === null) continue;
      const seen = state.get(target);
      if (seen === "open") problems.push(`steps form a cycle through "${target}"`);
      else if (seen === undefined) visit(target);
    }
    state.set(id, "done");
  };
  visit(definition.start);
  for (const step of definition.steps) {
    if (!state.has(step.id)) problems.push(`step "${step.id}" is unreachable from "${definition.start}"`);
  }
  return problems;
}

/** Validates a definition (an object or its JSON text); never throws. */
export function parseFlowDefinition(json: unknown): ParseResult {
  const text = fromJsonText(json);
  if (!text.ok) return text;
  const parsed = flowDefinitionSchema.safeParse(text.value);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  const problems = graphProblems(parsed.data);
  return problems.length > 0 ? { ok: false, error: problems.join("; ") } : { ok: true, value: parsed.data };
}

/** The step with this id, if the definition has one. */
export function findStep(definition: FlowDefinition, id: string): Step | undefined {
  return definition.steps.find((s) => s.id === id);
}
