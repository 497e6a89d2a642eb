/**
 * Compiles a segment tree to one SQL predicate over `"Profile" p`, for SQLite or PostgreSQL. Values are always
 * parameters; the only names spliced into the text are whitelisted columns (PROFILE_FIELDS) and JSON paths travel
 * as parameters too. Every leaf is a definite true or false (never NULL), so NOT and neq mean what evaluate.ts means.
 */
import { ageBounds, dayBounds, instantBounds, type Bounds, type SegmentClock } from "./dates";
import { foldAscii } from "./evaluate";
import { join, raw, sql, type SqlFragment, type SqlValue } from "./sql-fragment";
import { PROFILE_FIELDS, type Comparison, type SegmentCondition, type ValueType } from "./tree";

export type Dialect = "sqlite" | "postgresql";

const DAY_MS = 86_400_000;
const TRUE = raw("(1 = 1)");
const FALSE = raw("(1 = 0)");

/** How one stored value is reached: a column of the profile, or a path into a JSON column. */
type Source =
  | { kind: "column"; column: SqlFragment }
  | { kind: "json"; document: SqlFragment; path: string };

/** Database-specific reading of a JSON value (or of a column) as each segment type. */
type Reader = {
  /** The JSON type name of the value, in the database's own words, or NULL when absent. */
  present: (s: Source) => SqlFragment;
  text: (s: Source) => SqlFragment;
  number: (s: Source) => SqlFragment;
  boolean: (s: Source, value: boolean) => SqlFragment;
  day: (s: Source) => SqlFragment;
  fold: (text: SqlFragment) => SqlFragment;
  contains: (haystack: SqlFragment, needle: string) => SqlFragment;
  dayCompare: (day: SqlFragment, op: string, value: string) => SqlFragment;
};

function sqlitePath(path: string): string {
  return `$${path.split(".").map((s) => `."${s}"`).join("")}`; // segments are identifiers (tree.ts)
}

const sqlite: Reader = {
  present: (s) => (s.kind === "column" ? sql`${s.column} IS NOT NULL` : sql`json_type(${s.document}, ${sqlitePath(s.path)}) <> 'null'`),
  text: (s) =>
    s.kind === "column"
      ? sql`CASE WHEN typeof(${s.column}) = 'text' THEN ${s.column} END`
      : sql`CASE WHEN json_type(${s.document}, ${sqlitePath(s.path)}) = 'text' THEN json_extract(${s.document}, ${sqlitePath(s.path)}) END`,
  number: (s) =>
    s.kind === "column"
      ? s.column
      : sql`CASE WHEN json_type(${s.document}, ${sqlitePath(s.path)}) IN ('integer', 'real') THEN json_extract(${s.document}, ${sqlitePath(s.path)}) END`,
  boolean: (s, value) => sql`json_type(${(s as { document: SqlFragment }).document}, ${sqlitePath((s as { path: string }).path)}) = ${raw(value ? "'true'" : "'false'")}`,
  day: (s) => {
    const text = sqlite.text(s);
    return sql`CASE WHEN ${text} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN substr(${text}, 1, 10) END`;
  },
  // SQLite's built-in lower() folds ASCII letters only, as foldAscii does.
  fold: (text) => sql`lower(${text})`,
  contains: (haystack, needle) => sql`instr(${haystack}, ${needle}) > 0`,
  dayCompare: (day, op, value) => sql`${day} ${raw(op)} ${value}`,
};

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const postgresql: Reader = {
  present: (s) =>
    s.kind === "column" ? sql`${s.column} IS NOT NULL` : sql`jsonb_typeof(${s.document} #> CAST(${s.path.split(".")} AS text[])) <> 'null'`,
  text: (s) => {
    if (s.kind === "column") return s.column;
    const path = s.path.split(".");
    return sql`CASE WHEN jsonb_typeof(${s.document} #> CAST(${path} AS text[])) = 'string' THEN ${s.document} #>> CAST(${path} AS text[]) END`;
  },
  number: (s) => {
    if (s.kind === "column") return s.column;
    const path = s.path.split(".");
    // CASE guards the cast: PostgreSQL may evaluate AND's operands in any order.
    return sql`CASE WHEN jsonb_typeof(${s.document} #> CAST(${path} AS text[])) = 'number' THEN CAST(${s.document} #>> CAST(${path} AS text[]) AS double precision) END`;
  },
  boolean: (s, value) => {
    const { document, path } = s as { document: SqlFragment; path: string };
    return sql`${document} #> CAST(${path.split(".")} AS text[]) = ${raw(value ? "'true'::jsonb" : "'false'::jsonb")}`;
  },
  day: (s) => {
    const text = postgresql.text(s);
    return sql`CASE WHEN ${text} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN substr(${text}, 1, 10) END`;
  },
  // translate() folds exactly A-Z, whatever the database's locale (lower() would fold other letters too).
  fold: (text) => sql`translate(${text}, ${raw(`'${UPPER}'`)}, ${raw(`'${UPPER.toLowerCase()}'`)})`,
  contains: (haystack, needle) => sql`strpos(${haystack}, CAST(${needle} AS text)) > 0`,
  dayCompare: (day, op, value) => sql`${day} COLLATE "C" ${raw(op)} CAST(${value} AS text)`,
};

const READERS: Record<Dialect, Reader> = { sqlite, postgresql };

/** NULL (an absent or mistyped value) counts as false: every leaf is a definite boolean. */
function definite(predicate: SqlFragment): SqlFragment {
  return sql`COALESCE((${predicate}), ${FALSE})`;
}

function boundsSql<T extends SqlValue>(value: SqlFragment, b: Bounds<T>, compare: (v: SqlFragment, op: string, bound: T) => SqlFragment): SqlFragment {
  const parts: SqlFragment[] = [];
  if (b.gte !== undefined) parts.push(compare(value, ">=", b.gte));
  if (b.gt !== undefined) parts.push(compare(value, ">", b.gt));
  if (b.lte !== undefined) parts.push(compare(value, "<=", b.lte));
  if (b.lt !== undefined) parts.push(compare(value, "<", b.lt));
  return sql`${value} IS NOT NULL AND ${join(parts, " AND ")}`;
}

const NUMBER_OPS: Record<string, string> = { gt: ">", gte: ">=", lt: "<", lte: "<=", eq: "=" };

function comparisonSql(r: Reader, type: ValueType, source: Source, c: Comparison, clock: SegmentClock, dialect: Dialect): SqlFragment {
  if (c.op === "exists") return definite(r.present(source));
  if (c.op === "not_exists") return sql`NOT ${definite(r.present(source))}`;
  if (c.op === "neq") return sql`NOT ${comparisonSql(r, type, source, { ...c, op: "eq" }, clock, dialect)}`;
  switch (type) {
    case "text": {
      const folded = r.fold(r.text(source));
      if (c.op === "contains") return definite(r.contains(folded, foldAscii(String(c.value))));
      if (c.op === "in") return definite(sql`${folded} IN (${join((c.value as string[]).map((v) => sql`${foldAscii(v)}`), ", ")})`);
      return definite(sql`${folded} = ${foldAscii(String(c.value))}`);
    }
    case "number": {
      const value = dialect === "postgresql" ? sql`CAST(${c.value as number} AS double precision)` : sql`${c.value as number}`;
      return definite(sql`${r.number(source)} ${raw(NUMBER_OPS[c.op])} ${value}`);
    }
    case "boolean":
      return definite(r.boolean(source, c.value as boolean));
    case "date":
      if (source.kind === "column") {
        return definite(boundsSql(source.column, instantBounds(c.op, c.value, clock), (v, op, bound) => sql`${v} ${raw(op)} ${bound}`));
      }
      return definite(boundsSql(r.day(source), dayBounds(c.op, c.value, clock), r.dayCompare));
  }
}

function column(field: string): SqlFragment {
  if (!Object.prototype.hasOwnProperty.call(PROFILE_FIELDS, field)) throw new Error(`not a segment field: ${field}`);
  return raw(`p."${field}"`);
}

/** The JSON column as a document the JSON functions may read: on SQLite a malformed text reads as absent. */
function document(dialect: Dialect, name: string): SqlFragment {
  const col = raw(name);
  return dialect === "sqlite" ? sql`(CASE WHEN json_valid(${col}) THEN ${col} END)` : col;
}

function conditionSql(c: SegmentCondition, dialect: Dialect, clock: SegmentClock): SqlFragment {
  const r = READERS[dialect];
  switch (c.kind) {
    case "all":
      return c.of.length === 0 ? TRUE : sql`(${join(c.of.map((x) => conditionSql(x, dialect, clock)), " AND ")})`;
    case "any":
      return c.of.length === 0 ? FALSE : sql`(${join(c.of.map((x) => conditionSql(x, dialect, clock)), " OR ")})`;
    case "not":
      return sql`(NOT ${conditionSql(c.condition, dialect, clock)})`;
    case "profile": {
      const source: Source = { kind: "column", column: column(c.field) };
      return comparisonSql(r, PROFILE_FIELDS[c.field].type, source, c, clock, dialect);
    }
    case "property":
      return comparisonSql(r, c.type, { kind: "json", document: document(dialect, 'p."properties"'), path: c.key }, c, clock, dialect);
    case "age": {
      const day = r.day({ kind: "json", document: document(dialect, 'p."properties"'), path: c.key });
      return definite(boundsSql(day, ageBounds(c.op, c.value, clock), r.dayCompare));
    }
    case "event_count": {
      const now = clock.now;
      const filters = (c.where ?? []).map((f) =>
        comparisonSql(r, f.type, { kind: "json", document: document(dialect, 'e."properties"'), path: f.path }, f, clock, dialect),
      );
      const window = c.since === "ever" ? raw("") : sql` AND e."occurredAt" >= ${new Date(now.getTime() - c.since.days * DAY_MS)}`;
      const where = sql`e."shopId" = p."shopId" AND e."profileId" = p."id" AND e."name" = ${c.event} AND e."occurredAt" <= ${now}${window}${
        filters.length ? sql` AND ${join(filters, " AND ")}` : raw("")
      }`;
      // "zero times" is the common case: NOT EXISTS stops at the first event.
      if (c.atMost === 0 && !c.atLeast) return sql`(NOT EXISTS (SELECT 1 FROM "Event" e WHERE ${where}))`;
      if (c.atLeast === 1 && c.atMost === undefined) return sql`(EXISTS (SELECT 1 FROM "Event" e WHERE ${where}))`;
      const count = sql`(SELECT COUNT(*) FROM "Event" e WHERE ${where})`;
      const bounds: SqlFragment[] = [];
      if (c.atLeast !== undefined) bounds.push(sql`${count} >= ${c.atLeast}`);
      if (c.atMost !== undefined) bounds.push(sql`${count} <= ${c.atMost}`);
      return sql`(${join(bounds, " AND ")})`;
    }
  }
}

/** The predicate over `"Profile" p` for the tree as of clock.now (merged-away profiles and other shops excluded by the caller). */
export function segmentPredicate(tree: SegmentCondition, dialect: Dialect, clock: SegmentClock): SqlFragment {
  return conditionSql(tree, dialect, clock);
}

/** The ids of one shop's profiles in the segment: the query every count, page and export builds on. */
export function segmentMembersSql(tree: SegmentCondition, dialect: Dialect, clock: SegmentClock, shopId: string): SqlFragment {
  return sql`SELECT p."id" FROM "Profile" p WHERE p."shopId" = ${shopId} AND p."mergedIntoId" IS NULL AND ${segmentPredicate(tree, dialect, clock)}`;
}
