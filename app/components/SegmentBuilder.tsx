// The segment builder: AND/OR groups of condition rows, edited as the condition tree itself (domain/segments/tree.ts).
// What the merchant types is kept as typed until it parses, so the server's validation names what is incomplete.
import { BlockStack, Box, Button, Card, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { OPERATORS, PROFILE_FIELDS, PROFILE_FIELD_NAMES, SEGMENT_EVENT_NAMES, type EventFilter, type ProfileField, type SegmentCondition, type ValueType } from "../domain/segments/tree";

type Leaf = Exclude<SegmentCondition, { kind: "all" | "any" | "not" }>;
type Group = { kind: "all" | "any" | "none"; of: SegmentCondition[] };

export const OPERATOR_LABELS: Record<string, string> = {
  eq: "is", neq: "is not", contains: "contains", in: "is one of (comma separated)", exists: "is set", not_exists: "is not set",
  gt: "is more than", gte: "is at least", lt: "is less than", lte: "is at most",
  before: "is before", after: "is after", in_last_days: "is within the last … days", more_than_days_ago: "is more than … days ago",
  in_next_days: "is within the next … days",
};

const NEW_CONDITION: Leaf = { kind: "profile", field: "ordersCount", op: "gte", value: 1 };

/** Reads a group out of any node: NOT(any[...]) and NOT(x) show as "none of". */
function asGroup(node: SegmentCondition): Group {
  if (node.kind === "all" || node.kind === "any") return { kind: node.kind, of: node.of };
  if (node.kind === "not") return { kind: "none", of: node.condition.kind === "any" ? node.condition.of : [node.condition] };
  return { kind: "all", of: [node] };
}

function fromGroup(group: Group): SegmentCondition {
  return group.kind === "none" ? { kind: "not", condition: { kind: "any", of: group.of } } : { kind: group.kind, of: group.of };
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** The typed value for what is in the field; left as text when it does not parse yet (the server says why). */
function typedValue(type: ValueType | "days", op: string, text: string, scale = 1): unknown {
  if (op === "in") return text.split(",").map((s) => s.trim()).filter(Boolean);
  if (type === "boolean") return text === "true";
  const numeric = type === "number" || type === "days" || (type === "date" && !["before", "after"].includes(op));
  if (numeric) return NUMBER.test(text.trim()) ? Math.round(Number(text) * scale * 1e6) / 1e6 : text;
  return text;
}

function shownValue(value: unknown, scale = 1): string {
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "number") return String(value / scale);
  return value === undefined ? "" : String(value);
}

function defaultValue(type: ValueType, op: string): unknown {
  if (op === "exists" || op === "not_exists") return undefined;
  if (type === "boolean") return true;
  if (type === "number" || (type === "date" && !["before", "after"].includes(op))) return 30;
  if (op === "in") return [];
  return "";
}

function withOp<T extends { op: string; value?: unknown }>(node: T, type: ValueType, op: string): T {
  const { value: _old, ...rest } = node;
  const value = defaultValue(type, op);
  return (value === undefined ? { ...rest, op } : { ...rest, op, value }) as T;
}

type ComparisonProps = { type: ValueType; op: string; value: unknown; scale?: number; onChange: (op: string, value: unknown) => void };

function ComparisonFields({ type, op, value, scale, onChange }: ComparisonProps) {
  const ops = OPERATORS[type].map((o) => ({ label: OPERATOR_LABELS[o], value: o }));
  const needsValue = op !== "exists" && op !== "not_exists";
  return (
    <InlineStack gap="200" blockAlign="end" wrap={false}>
      <Select label="Operator" labelHidden options={ops} value={op} onChange={(next) => onChange(next, defaultValue(type, next))} />
      {needsValue && type === "boolean" ? (
        <Select label="Value" labelHidden options={[{ label: "yes", value: "true" }, { label: "no", value: "false" }]} value={String(value)} onChange={(v) => onChange(op, v === "true")} />
      ) : needsValue ? (
        <TextField
          label="Value"
          labelHidden
          autoComplete="off"
          value={shownValue(value, scale)}
          placeholder={type === "date" && ["before", "after"].includes(op) ? "YYYY-MM-DD" : undefined}
          onChange={(text) => onChange(op, typedValue(type, op, text, scale))}
        />
      ) : null}
    </InlineStack>
  );
}

const SUBJECTS = [
  ...PROFILE_FIELD_NAMES.map((f) => ({ label: PROFILE_FIELDS[f].label, value: `profile:${f}` })),
  { label: "Custom property…", value: "property" },
  { label: "Age (from a birthday property)", value: "age" },
  { label: "Did an event…", value: "event_count" },
];

function subjectOf(leaf: Leaf): string {
  return leaf.kind === "profile" ? `profile:${leaf.field}` : leaf.kind;
}

function newLeaf(subject: string): Leaf {
  if (subject.startsWith("profile:")) {
    const field = subject.slice("profile:".length) as ProfileField;
    const type = PROFILE_FIELDS[field].type;
    return withOp<Extract<Leaf, { kind: "profile" }>>({ kind: "profile", field, op: "exists" }, type, OPERATORS[type][0]);
  }
  if (subject === "property") return { kind: "property", key: "gender", type: "text", op: "eq", value: "" };
  if (subject === "age") return { kind: "age", key: "birthday", op: "gte", value: 30 };
  return { kind: "event_count", event: "Placed Order", since: { days: 30 }, atLeast: 1 };
}

const TYPE_OPTIONS = [
  { label: "text", value: "text" },
  { label: "number", value: "number" },
  { label: "date", value: "date" },
  { label: "yes/no", value: "boolean" },
];

function EventFields({ leaf, onChange }: { leaf: Extract<Leaf, { kind: "event_count" }>; onChange: (leaf: Leaf) => void }) {
  const how = leaf.atMost === 0 && !leaf.atLeast ? "zero" : leaf.atMost !== undefined && leaf.atLeast === undefined ? "at_most" : "at_least";
  const times = how === "at_most" ? leaf.atMost : leaf.atLeast;
  const setCount = (mode: string, n: number) => {
    const { atLeast: _a, atMost: _b, ...rest } = leaf;
    onChange(mode === "zero" ? { ...rest, atMost: 0 } : mode === "at_most" ? { ...rest, atMost: n } : { ...rest, atLeast: n });
  };
  const filters = leaf.where ?? [];
  const setFilters = (where: EventFilter[]) => {
    const { where: _w, ...rest } = leaf;
    onChange(where.length ? { ...rest, where } : rest);
  };
  return (
    <BlockStack gap="200">
      <InlineStack gap="200" blockAlign="end">
        <Select label="Event" labelHidden options={SEGMENT_EVENT_NAMES.map((e) => ({ label: e, value: e }))} value={leaf.event} onChange={(event) => onChange({ ...leaf, event: event as typeof leaf.event })} />
        <Select label="How often" labelHidden options={[{ label: "at least", value: "at_least" }, { label: "at most", value: "at_most" }, { label: "zero times", value: "zero" }]} value={how} onChange={(mode) => setCount(mode, times ?? 1)} />
        {how !== "zero" ? <TextField label="Times" labelHidden type="number" autoComplete="off" value={String(times ?? "")} onChange={(t) => setCount(how, Number(t))} /> : null}
        <Select label="When" labelHidden options={[{ label: "in the last … days", value: "days" }, { label: "ever", value: "ever" }]} value={leaf.since === "ever" ? "ever" : "days"} onChange={(w) => onChange({ ...leaf, since: w === "ever" ? "ever" : { days: 30 } })} />
        {leaf.since !== "ever" ? <TextField label="Days" labelHidden type="number" autoComplete="off" value={String(leaf.since.days)} onChange={(t) => onChange({ ...leaf, since: { days: Number(t) } })} /> : null}
      </InlineStack>
      {filters.map((f, i) => (
        <InlineStack key={i} gap="200" blockAlign="end">
          <Text as="span">where</Text>
          <TextField label="Event property" labelHidden autoComplete="off" value={f.path} placeholder="productId" onChange={(path) => setFilters(filters.map((x, j) => (j === i ? { ...x, path } : x)))} />
          <Select label="Type" labelHidden options={TYPE_OPTIONS.filter((o) => o.value !== "date")} value={f.type} onChange={(type) => setFilters(filters.map((x, j) => (j === i ? withOp({ ...x, type: type as EventFilter["type"] }, type as ValueType, "eq") : x)))} />
          <ComparisonFields type={f.type} op={f.op} value={f.value} onChange={(op, value) => setFilters(filters.map((x, j) => (j === i ? ({ ...x, op, ...(value === undefined ? {} : { value }) } as EventFilter) : x)))} />
          <Button variant="plain" tone="critical" onClick={() => setFilters(filters.filter((_, j) => j !== i))}>Remove</Button>
        </InlineStack>
      ))}
      <InlineStack>
        <Button variant="plain" onClick={() => setFilters([...filters, { path: "productId", type: "text", op: "eq", value: "" }])}>Add event property filter</Button>
      </InlineStack>
    </BlockStack>
  );
}

function LeafRow({ leaf, revenueScale, onChange }: { leaf: Leaf; revenueScale: number; onChange: (leaf: Leaf) => void }) {
  return (
    <InlineStack gap="200" blockAlign="start" wrap>
      <Select label="Condition" labelHidden options={SUBJECTS} value={subjectOf(leaf)} onChange={(s) => onChange(newLeaf(s))} />
      {leaf.kind === "profile" ? (
        <ComparisonFields type={PROFILE_FIELDS[leaf.field].type} op={leaf.op} value={leaf.value} scale={leaf.field === "revenueMinor" ? revenueScale : 1} onChange={(op, value) => onChange({ ...withOp(leaf, PROFILE_FIELDS[leaf.field].type, op), ...(value === undefined ? {} : { value }) } as Leaf)} />
      ) : null}
      {leaf.kind === "property" ? (
        <>
          <TextField label="Property" labelHidden autoComplete="off" value={leaf.key} placeholder="gender" onChange={(key) => onChange({ ...leaf, key })} />
          <Select label="Type" labelHidden options={TYPE_OPTIONS} value={leaf.type} onChange={(type) => onChange(withOp({ ...leaf, type: type as ValueType }, type as ValueType, "exists"))} />
          <ComparisonFields type={leaf.type} op={leaf.op} value={leaf.value} onChange={(op, value) => onChange({ ...withOp(leaf, leaf.type, op), ...(value === undefined ? {} : { value }) } as Leaf)} />
        </>
      ) : null}
      {leaf.kind === "age" ? (
        <>
          <TextField label="Birthday property" labelHidden autoComplete="off" value={leaf.key} onChange={(key) => onChange({ ...leaf, key })} />
          <Select label="Operator" labelHidden options={["gte", "lte", "eq"].map((o) => ({ label: OPERATOR_LABELS[o], value: o }))} value={leaf.op} onChange={(op) => onChange({ ...leaf, op: op as "gte" })} />
          <TextField label="Years" labelHidden type="number" autoComplete="off" suffix="years" value={String(leaf.value)} onChange={(t) => onChange({ ...leaf, value: Number(t) })} />
        </>
      ) : null}
      {leaf.kind === "event_count" ? <EventFields leaf={leaf} onChange={onChange} /> : null}
    </InlineStack>
  );
}

const GROUP_OPTIONS = [
  { label: "all of these (AND)", value: "all" },
  { label: "any of these (OR)", value: "any" },
  { label: "none of these", value: "none" },
];

/** One group and its rows; groups nest. */
export function SegmentGroup({ node, revenueScale, onChange, onRemove, depth = 0 }: { node: SegmentCondition; revenueScale: number; onChange: (node: SegmentCondition) => void; onRemove?: () => void; depth?: number }) {
  const group = asGroup(node);
  const set = (of: SegmentCondition[]) => onChange(fromGroup({ ...group, of }));
  return (
    <Card background={depth % 2 ? "bg-surface-secondary" : "bg-surface"}>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Text as="span">Profiles matching</Text>
            <Select label="Match" labelHidden options={GROUP_OPTIONS} value={group.kind} onChange={(kind) => onChange(fromGroup({ ...group, kind: kind as Group["kind"] }))} />
          </InlineStack>
          {onRemove ? <Button variant="plain" tone="critical" onClick={onRemove}>Remove group</Button> : null}
        </InlineStack>
        {group.of.map((child, i) => {
          const replace = (next: SegmentCondition) => set(group.of.map((c, j) => (j === i ? next : c)));
          const remove = () => set(group.of.filter((_, j) => j !== i));
          const isGroup = child.kind === "all" || child.kind === "any" || child.kind === "not";
          return isGroup ? (
            <SegmentGroup key={i} node={child} revenueScale={revenueScale} onChange={replace} onRemove={remove} depth={depth + 1} />
          ) : (
            <Box key={i} paddingBlockEnd="200" borderBlockEndWidth="025" borderColor="border-secondary">
              <InlineStack align="space-between" blockAlign="start" wrap={false}>
                <LeafRow leaf={child as Leaf} revenueScale={revenueScale} onChange={replace} />
                <Button variant="plain" tone="critical" onClick={remove}>Remove</Button>
              </InlineStack>
            </Box>
          );
        })}
        <InlineStack gap="300">
          <Button onClick={() => set([...group.of, NEW_CONDITION])}>Add condition</Button>
          <Button onClick={() => set([...group.of, { kind: "any", of: [NEW_CONDITION] }])}>Add group</Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
