// fast-check generators for the segment property tests: profiles and events whose values collide with the values
// random trees ask about (so conditions really select), boundary dates exactly on the windows' edges, and trees.
import fc from "fast-check";
import type { JsonValue } from "../../app/domain/events/types";
import type { SegmentEvent, SegmentProfile } from "../../app/domain/segments/evaluate";
import {
  OPERATORS,
  PROFILE_FIELDS,
  PROFILE_FIELD_NAMES,
  type Comparison,
  type ComparisonValue,
  type EventFilter,
  type SegmentCondition,
  type ValueType,
} from "../../app/domain/segments/tree";

const DAY_MS = 86_400_000;
export const NOW = new Date("2026-03-01T15:30:00.000Z");
export const TIMEZONES = ["UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago"];

/** Day offsets that sit on and around the windows the trees ask about. */
const DAY_OFFSETS = [0, 1, 7, 30, 365, 366, -1, -7, -30, 0.25, 0.75, 29.9, 364.5];
const WINDOW_DAYS = [0, 1, 7, 30, 365];
const TEXTS = ["female", "Female", "FEMALE", "male", "", "fem", "ä", "Ä", "straße", "STRASSE", "O'Brien", "a%b", "_", "x'); DROP TABLE \"Profile\"; --"];
const NUMBERS = [0, 1, 2, 3, 2.5, -1, 100, 1000, 0.1, 0.30000000000000004];
const DAYS = ["1976-03-01", "1976-03-02", "1976-02-29", "1995-02-28", "1996-02-29", "1996-03-01", "2000-01-01", "2025-03-01", "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-31", "2027-01-01"];
const DAY_TEXTS = [...DAYS, "1990-02-30", "1985-07-04T23:30:00-05:00", "1985-07-04T23:30:00Z", "20000101", "12/05/1990", "not a date"];
const KEYS = ["gender", "birthday", "score", "vip", "address.country", "address", "missing"];
const EVENT_NAMES = ["Placed Order", "Ordered Product", "Opened Email", "Viewed Product"] as const;
const PRODUCTS = ["X", "x", "Y", "123", ""];

const at = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

const anyJson: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(...TEXTS, ...DAY_TEXTS, "5", "true"),
  fc.constantFrom<JsonValue>(...NUMBERS),
  fc.boolean(),
  fc.constant(null),
  fc.constant<JsonValue>(["female", 1]),
  fc.constant<JsonValue>({ country: "DE" }),
);

const properties: fc.Arbitrary<JsonValue | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        gender: fc.oneof(fc.constantFrom<JsonValue>(...TEXTS), anyJson),
        birthday: fc.oneof(fc.constantFrom<JsonValue>(...DAY_TEXTS), anyJson),
        score: fc.oneof(fc.constantFrom<JsonValue>(...NUMBERS), anyJson),
        vip: fc.oneof(fc.boolean(), anyJson),
        address: fc.oneof(fc.record({ country: fc.constantFrom<JsonValue>("DE", "de", "US", 1, null) }), anyJson),
      },
      { requiredKeys: [] },
    ),
  },
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const columnDate = maybe(fc.constantFrom(...DAY_OFFSETS).map(at));

export const profileArb: fc.Arbitrary<Omit<SegmentProfile, "id" | "mergedIntoId">> = fc.record({
  properties,
  email: maybe(fc.constantFrom("ann@example.com", "BOB@example.com", "femALE@example.com")),
  firstName: maybe(fc.constantFrom(...TEXTS)),
  lastName: maybe(fc.constantFrom(...TEXTS)),
  phone: maybe(fc.constantFrom("+4915112345678", "+12025550100")),
  emailConsent: fc.constantFrom("subscribed", "unsubscribed", "pending", "unknown"),
  ordersCount: fc.constantFrom(0, 1, 2, 3, 100),
  revenueMinor: fc.constantFrom(0n, 1n, 100n, 1000n, 250000n),
  averageDaysBetweenOrders: maybe(fc.constantFrom(...NUMBERS.filter((n) => n >= 0))),
  firstOrderAt: columnDate,
  lastOrderAt: columnDate,
  expectedNextOrderAt: columnDate,
  lastActiveAt: columnDate,
  createdAt: fc.constantFrom(...DAY_OFFSETS).map(at),
  rfmGroup: maybe(fc.constantFrom("champions", "Champions", "at_risk", "new")),
  rfmRecency: maybe(fc.constantFrom(1, 2, 3)),
  rfmFrequency: maybe(fc.constantFrom(1, 2, 3)),
  rfmMonetary: maybe(fc.constantFrom(1, 2, 3)),
  leadScore: fc.constantFrom(0, 1, 3, 100, -1),
});

export const eventArb: fc.Arbitrary<SegmentEvent> = fc.record({
  name: fc.constantFrom(...EVENT_NAMES),
  occurredAt: fc.constantFrom(...DAY_OFFSETS, 400, 2000).map(at),
  properties: fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 8,
      arbitrary: fc.record(
        {
          productId: fc.oneof(fc.constantFrom<JsonValue>(...PRODUCTS), anyJson),
          price: fc.oneof(fc.constantFrom<JsonValue>(...NUMBERS), anyJson),
          machine: fc.oneof(fc.boolean(), anyJson),
          title: fc.constantFrom<JsonValue>(...TEXTS),
        },
        { requiredKeys: [] },
      ),
    },
  ),
});

function valueFor(type: ValueType, op: string): fc.Arbitrary<ComparisonValue | undefined> {
  if (op === "exists" || op === "not_exists") return fc.constant(undefined);
  switch (type) {
    case "text":
      return op === "in" ? fc.uniqueArray(fc.constantFrom(...TEXTS, "X", "champions", "ann@example.com"), { minLength: 1, maxLength: 4 }) : fc.constantFrom(...TEXTS, "X", "x", "champions", "bob@example.com", "example");
    case "number":
      return fc.constantFrom(...NUMBERS);
    case "boolean":
      return fc.boolean();
    case "date":
      return op === "before" || op === "after" ? fc.constantFrom(...DAYS.filter((d) => d !== "1976-02-29")) : fc.constantFrom(...WINDOW_DAYS);
  }
}

function comparison(type: ValueType): fc.Arbitrary<Comparison> {
  return fc.constantFrom(...OPERATORS[type]).chain((op) => valueFor(type, op).map((value) => (value === undefined ? { op } : { op, value })));
}

const profileCondition: fc.Arbitrary<SegmentCondition> = fc
  .constantFrom(...PROFILE_FIELD_NAMES)
  .chain((field) => comparison(PROFILE_FIELDS[field].type).map((c) => ({ kind: "profile" as const, field, ...c })));

const propertyCondition: fc.Arbitrary<SegmentCondition> = fc
  .tuple(fc.constantFrom(...KEYS), fc.constantFrom<ValueType>("text", "number", "date", "boolean"))
  .chain(([key, type]) => comparison(type).map((c) => ({ kind: "property" as const, key, type, ...c })));

const ageCondition: fc.Arbitrary<SegmentCondition> = fc.record({
  kind: fc.constant("age" as const),
  key: fc.constantFrom("birthday", "gender"),
  op: fc.constantFrom("gte" as const, "lte" as const, "eq" as const),
  value: fc.constantFrom(0, 1, 26, 29, 30, 31, 40, 49, 50, 51, 150),
});

const eventFilter: fc.Arbitrary<EventFilter> = fc
  .tuple(fc.constantFrom("productId", "price", "machine", "title", "missing"), fc.constantFrom("text" as const, "number" as const, "boolean" as const))
  .chain(([path, type]) => comparison(type).map((c) => ({ path, type, ...c })));

const eventCondition: fc.Arbitrary<SegmentCondition> = fc
  .record({
    event: fc.constantFrom(...EVENT_NAMES),
    where: fc.option(fc.array(eventFilter, { maxLength: 2 }), { nil: undefined }),
    since: fc.oneof(fc.constant("ever" as const), fc.constantFrom(1, 7, 30, 365).map((days) => ({ days }))),
    atLeast: fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined }),
    atMost: fc.option(fc.constantFrom(0, 1, 2), { nil: undefined }),
  })
  .map((c) => ({
    kind: "event_count" as const,
    event: c.event,
    since: c.since,
    ...(c.where ? { where: c.where } : {}),
    ...(c.atLeast === undefined && c.atMost === undefined ? { atMost: 0 } : {}),
    ...(c.atLeast !== undefined ? { atLeast: c.atLeast } : {}),
    ...(c.atMost !== undefined ? { atMost: c.atMost } : {}),
  }));

/** Random valid trees up to three groups deep. */
export const treeArb: fc.Arbitrary<SegmentCondition> = fc.letrec<{ node: SegmentCondition }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: "segment-tree", withCrossShrink: true },
    profileCondition,
    propertyCondition,
    ageCondition,
    eventCondition,
    fc.array(tie("node"), { maxLength: 4 }).map((of) => ({ kind: "all" as const, of })),
    fc.array(tie("node"), { minLength: 1, maxLength: 4 }).map((of) => ({ kind: "any" as const, of })),
    tie("node").map((condition) => ({ kind: "not" as const, condition })),
  ),
})).node;
