/**
 * A segment is a condition tree over profiles: AND/OR groups of conditions on profile fields, custom properties,
 * age and event history. The vocabulary follows flow conditions (domain/flows/definition.ts: all/any/not,
 * event_count with atLeast/atMost over a window, eq/neq/gt/... operators), but every comparison is typed, so that
 * the same tree means exactly the same thing in memory (evaluate.ts) and in SQL on both databases (sql.ts).
 */
import { z } from "zod";
import { FLOW_EVENT_NAMES } from "../flows/definition";
import type { JsonValue } from "../events/types";

export const VALUE_TYPES = ["text", "number", "date", "boolean"] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/**
 * The profile columns a segment may read (the whitelist: nothing else reaches SQL as a column name).
 * Money is in minor units of the profile's currency (the builder converts what the merchant types).
 */
export const PROFILE_FIELDS = {
  email: { type: "text", label: "Email" },
  firstName: { type: "text", label: "First name" },
  lastName: { type: "text", label: "Last name" },
  phone: { type: "text", label: "Phone" },
  emailConsent: { type: "text", label: "Email consent" },
  ordersCount: { type: "number", label: "Orders" },
  revenueMinor: { type: "number", label: "Revenue" },
  averageDaysBetweenOrders: { type: "number", label: "Average days between orders" },
  firstOrderAt: { type: "date", label: "First order" },
  lastOrderAt: { type: "date", label: "Last order" },
  expectedNextOrderAt: { type: "date", label: "Expected next order" },
  lastActiveAt: { type: "date", label: "Last active" },
  createdAt: { type: "date", label: "Became a customer profile" },
  rfmGroup: { type: "text", label: "RFM group" },
  rfmRecency: { type: "number", label: "RFM recency score" },
  rfmFrequency: { type: "number", label: "RFM frequency score" },
  rfmMonetary: { type: "number", label: "RFM monetary score" },
  leadScore: { type: "number", label: "Lead score" },
} as const satisfies Record<string, { type: ValueType; label: string }>;
export type ProfileField = keyof typeof PROFILE_FIELDS;
export const PROFILE_FIELD_NAMES = Object.keys(PROFILE_FIELDS) as [ProfileField, ...ProfileField[]];

/** Operators per value type (a subset of the flow operators plus relative dates). */
export const OPERATORS = {
  text: ["eq", "neq", "contains", "in", "exists", "not_exists"],
  number: ["eq", "neq", "gt", "gte", "lt", "lte", "exists", "not_exists"],
  boolean: ["eq", "exists", "not_exists"],
  date: ["before", "after", "in_last_days", "more_than_days_ago", "in_next_days", "exists", "not_exists"],
} as const satisfies Record<ValueType, readonly string[]>;
export const ALL_OPERATORS = [...new Set(Object.values(OPERATORS).flat())] as [string, ...string[]];
export type Operator = (typeof OPERATORS)[ValueType][number];

export const LIMITS = {
  /** Conditions and groups in one tree. */
  nodes: 100,
  /** Groups inside groups. */
  depth: 6,
  /** Values of one "in" list. */
  listValues: 100,
  /** Characters of one text value. */
  text: 200,
  /** Filters on one event condition. */
  eventFilters: 10,
  /** The JSON text of a tree. */
  jsonChars: 64_000,
} as const;

/** A custom property: a dot path of identifiers under Profile.properties (or an event's properties). */
const propertyKey = z
  .string()
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,4}$/, "a property name: letters, digits and _ (dots for nested ones)");

/** The shapes a value may take; which one a comparison needs is checked by comparisonProblem. */
const comparisonValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const comparisonFields = { op: z.enum(ALL_OPERATORS as unknown as [Operator, ...Operator[]]), value: comparisonValue.optional() };

export type ComparisonValue = z.infer<typeof comparisonValue>;
export type Comparison = { op: Operator; value?: ComparisonValue };

export type SegmentCondition =
  | ({ kind: "profile"; field: ProfileField } & Comparison)
  | ({ kind: "property"; key: string; type: ValueType } & Comparison)
  /** Age in whole years from a birthday stored as a custom date property. */
  | { kind: "age"; key: string; op: "gte" | "lte" | "eq"; value: number }
  | {
      kind: "event_count";
      event: SegmentEventName;
      where?: EventFilter[];
      since: "ever" | { days: number };
      atLeast?: number;
      atMost?: number;
    }
  | { kind: "all"; of: SegmentCondition[] }
  | { kind: "any"; of: SegmentCondition[] }
  | { kind: "not"; condition: SegmentCondition };

/** A condition on the counted events' own properties (dates are not offered there). */
export type EventFilter = { path: string; type: Exclude<ValueType, "date"> } & Comparison;

export const SEGMENT_EVENT_NAMES = FLOW_EVENT_NAMES;
export type SegmentEventName = (typeof SEGMENT_EVENT_NAMES)[number];

const eventFilterSchema = z.strictObject({ path: propertyKey, type: z.enum(["text", "number", "boolean"]), ...comparisonFields });

const conditionSchema: z.ZodType<SegmentCondition> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("profile"), field: z.enum(PROFILE_FIELD_NAMES), ...comparisonFields }),
    z.strictObject({ kind: z.literal("property"), key: propertyKey, type: z.enum(VALUE_TYPES), ...comparisonFields }),
    z.strictObject({ kind: z.literal("age"), key: propertyKey, op: z.enum(["gte", "lte", "eq"]), value: z.number().int().min(0).max(150) }),
    z.strictObject({
      kind: z.literal("event_count"),
      event: z.enum(SEGMENT_EVENT_NAMES),
      where: z.array(eventFilterSchema).max(LIMITS.eventFilters).optional(),
      since: z.union([z.literal("ever"), z.strictObject({ days: z.number().int().min(1).max(3660) })]),
      atLeast: z.number().int().min(0).max(1_000_000).optional(),
      atMost: z.number().int().min(0).max(1_000_000).optional(),
    }),
    z.strictObject({ kind: z.literal("all"), of: z.array(conditionSchema) }),
    z.strictObject({ kind: z.literal("any"), of: z.array(conditionSchema).min(1) }),
    z.strictObject({ kind: z.literal("not"), condition: conditionSchema }),
  ]),
);

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day "YYYY-MM-DD". */
export function isCalendarDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** What is wrong with a comparison's value for its type and operator, or null. */
export function comparisonProblem(type: ValueType, c: Comparison): string | null {
  const allowed: readonly string[] = OPERATORS[type];
  if (!allowed.includes(c.op)) return `"${c.op}" does not apply to a ${type} (use one of ${allowed.join(", ")})`;
  const v = c.value;
  if (c.op === "exists" || c.op === "not_exists") return v === undefined ? null : `"${c.op}" takes no value`;
  switch (type) {
    case "text":
      if (c.op === "in") {
        if (!Array.isArray(v) || v.length === 0 || v.length > LIMITS.listValues) return `"in" needs a list of 1 to ${LIMITS.listValues} texts`;
        return v.every((x) => typeof x === "string" && x.length <= LIMITS.text) ? null : `every value of "in" is a text of at most ${LIMITS.text} characters`;
      }
      return typeof v === "string" && v.length <= LIMITS.text ? null : `needs a text of at most ${LIMITS.text} characters`;
    case "number":
      return typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? null : "needs a number";
    case "boolean":
      return typeof v === "boolean" ? null : "needs true or false";
    case "date":
      if (c.op === "before" || c.op === "after") return typeof v === "string" && isCalendarDay(v) ? null : "needs a date YYYY-MM-DD";
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 36_600 ? null : "needs a whole number of days (0 to 36600)";
  }
}

type Problem = { path: (string | number)[]; message: string };

function problems(c: SegmentCondition, path: (string | number)[], depth: number, out: Problem[]): number {
  let nodes = 1;
  if (c.kind === "all" || c.kind === "any" || c.kind === "not") {
    if (depth >= LIMITS.depth) out.push({ path, message: `groups nest at most ${LIMITS.depth} deep` });
    const children = c.kind === "not" ? [c.condition] : c.of;
    children.forEach((child, i) => {
      nodes += problems(child, c.kind === "not" ? [...path, "condition"] : [...path, "of", i], depth + 1, out);
    });
    return nodes;
  }
  const check = (type: ValueType, comparison: Comparison, at: (string | number)[]) => {
    const problem = comparisonProblem(type, comparison);
    if (problem) out.push({ path: at, message: problem });
  };
  if (c.kind === "profile") check(PROFILE_FIELDS[c.field].type, c, path);
  if (c.kind === "property") check(c.type, c, path);
  if (c.kind === "event_count") {
    if (c.atLeast === undefined && c.atMost === undefined) out.push({ path, message: "an event condition needs at least or at most" });
    (c.where ?? []).forEach((f, i) => check(f.type, f, [...path, "where", i]));
  }
  return nodes;
}

export const segmentTreeSchema = conditionSchema.superRefine((tree, ctx) => {
  const out: Problem[] = [];
  const nodes = problems(tree, [], 0, out);
  if (nodes > LIMITS.nodes) out.push({ path: [], message: `a segment has at most ${LIMITS.nodes} conditions (this one has ${nodes})` });
  for (const p of out) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
});

export type SegmentTree = SegmentCondition;
export type TreeParseResult = { ok: true; value: SegmentTree } | { ok: false; error: string };

/** Validates a tree (an object or its JSON text); never throws, and says what is wrong and where. */
export function parseSegmentTree(input: unknown): TreeParseResult {
  let value = input;
  if (typeof input === "string") {
    if (input.length > LIMITS.jsonChars) return { ok: false, error: `the conditions are too large (over ${LIMITS.jsonChars} characters)` };
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, error: `the conditions are not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const parsed = segmentTreeSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: z.prettifyError(parsed.error) };
}

/** Reads a dot path under a JSON object, never into arrays (the SQL paths cannot either). */
export function propertyAt(root: JsonValue | null | undefined, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = root ?? undefined;
  for (const segment of path.split(".")) {
    if (current === null || current === undefined || typeof current !== "object" || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}
