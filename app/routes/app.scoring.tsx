import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useState, type ReactNode } from "react";
import { requireShop } from "../admin.server";
import { SaveBar } from "../components/SaveBar";
import db from "../db.server";
import type { PropertyFilter } from "../domain/flows/definition";
import { filterValueFromText, filterValueToText, problemPlace } from "../domain/scoring/editor";
import { parseScoringForm, type ScoringSection } from "../domain/scoring/form";
import { DEFAULT_SCORING, SCORABLE_EVENT_NAMES, type EventRule, type PropertyRule, type ScoringConfig } from "../domain/scoring/rules";
import { readBodyWithin } from "../http/body.server";
import { loadShopScoring, saveShopScoring } from "../models/lead-score.server";

export const meta: MetaFunction = () => [{ title: "Lead scoring" }];

/** The rules travel as one JSON field of at most 32 KiB; anything much larger is not the page. */
const MAX_BODY_BYTES = 64 * 1024;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const scoring = await loadShopScoring(db, shop.id);
  const salesReady = await db.profile.count({ where: { shopId: shop.id, mergedIntoId: null, leadScore: { gte: scoring.config.threshold } } });
  return {
    config: scoring.config,
    handoff: { salesReadyTag: scoring.salesReadyTag ?? "", crmWebhookUrl: scoring.crmWebhookUrl ?? "" },
    events: [...SCORABLE_EVENT_NAMES],
    salesReady,
  };
};

export type ScoringActionResult =
  | { ok: true; section: ScoringSection }
  | { ok: false; section: ScoringSection | null; message: string; errors: Record<string, string> };

const answer = (result: ScoringActionResult, status = 200) => Response.json(result, { status });

/** Saves the one section the form names, for the session's shop only (the form carries no shop id). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const body = await readBodyWithin(request, MAX_BODY_BYTES);
  if (body === null) return answer({ ok: false, section: null, message: "Request too large", errors: {} }, 413);
  const parsed = parseScoringForm(new URLSearchParams(body));
  if (!parsed.ok) return answer(parsed, 400);
  if (!(await saveShopScoring(db, shop.id, parsed.update))) return answer({ ok: false, section: parsed.update.section, message: "Shop not found", errors: {} }, 404);
  return answer({ ok: true, section: parsed.update.section });
};

const OP_OPTIONS: { label: string; value: PropertyFilter["op"] }[] = [
  { label: "is", value: "eq" },
  { label: "is not", value: "neq" },
  { label: "greater than", value: "gt" },
  { label: "at least", value: "gte" },
  { label: "less than", value: "lt" },
  { label: "at most", value: "lte" },
  { label: "contains", value: "contains" },
  { label: "is one of (comma separated)", value: "in" },
  { label: "is set", value: "exists" },
  { label: "is not set", value: "not_exists" },
];

/** A typed number; an empty or unreadable field stays empty (NaN travels as null and the save explains what is wrong). */
const typed = (text: string) => (text.trim() === "" ? Number.NaN : Number(text.trim()));
const shown = (value: number) => (Number.isFinite(value) ? String(value) : "");

/** A filter from the editor's three fields; "is set" / "is not set" take no value. */
function filterFrom(path: string, op: PropertyFilter["op"], value: string): PropertyFilter {
  return op === "exists" || op === "not_exists" ? { path, op } : { path, op, value: filterValueFromText(op, value) };
}

function FilterFields(props: { filter: PropertyFilter | undefined; pathLabel: string; onChange: (f: PropertyFilter | undefined) => void }) {
  const { filter } = props;
  const path = filter?.path ?? "";
  const op = filter?.op ?? "eq";
  const value = filter && "value" in filter ? filterValueToText(filter.value) : "";
  const update = (p: string, o: PropertyFilter["op"], v: string) => props.onChange(p.trim() === "" ? undefined : filterFrom(p.trim(), o, v));
  return (
    <FormLayout.Group condensed>
      <TextField label={props.pathLabel} value={path} onChange={(p) => update(p, op, value)} autoComplete="off" placeholder="e.g. machine" />
      <Select label="Condition" options={OP_OPTIONS} value={op} onChange={(o) => update(path, o as PropertyFilter["op"], value)} />
      <TextField label="Value" value={value} onChange={(v) => update(path, op, v)} autoComplete="off" disabled={op === "exists" || op === "not_exists"} />
    </FormLayout.Group>
  );
}

function RuleRow({ children, onRemove }: { children: ReactNode; onRemove: () => void }) {
  return (
    <BlockStack gap="200">
      {children}
      <InlineStack align="end">
        <Button variant="plain" tone="critical" onClick={onRemove}>
          Remove
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

function newId(prefix: string, taken: readonly { id: string }[]) {
  let n = taken.length + 1;
  while (taken.some((r) => r.id === `${prefix}_${n}`)) n++;
  return `${prefix}_${n}`;
}

function RulesForm({ initial, events }: { initial: ScoringConfig; events: string[] }) {
  const fetcher = useFetcher<ScoringActionResult>({ key: "scoring-rules" });
  const [config, setConfig] = useState<ScoringConfig>(initial);
  const result = fetcher.state === "idle" && fetcher.data?.section === "rules" ? fetcher.data : undefined;
  const set = (change: Partial<ScoringConfig>) => setConfig((c) => ({ ...c, ...change }));
  const setEventRule = (i: number, change: Partial<EventRule>) => set({ eventRules: config.eventRules.map((r, j) => (j === i ? { ...r, ...change } : r)) });
  const setPropertyRule = (i: number, change: Partial<PropertyRule>) => set({ propertyRules: config.propertyRules.map((r, j) => (j === i ? { ...r, ...change } : r)) });
  const allRules = [...config.eventRules, ...config.propertyRules];
  const eventOptions = events.map((e) => ({ label: e, value: e }));
  return (
    <fetcher.Form method="post" noValidate>
      <input type="hidden" name="intent" value="rules" />
      <input type="hidden" name="config" value={JSON.stringify(config)} />
      <BlockStack gap="400">
        {result && !result.ok ? (
          <Banner tone="critical" title={result.message}>
            <p>Nothing was saved.</p>
            {Object.entries(result.errors).map(([field, message]) => (
              <p key={field}>{problemPlace(field) ? `${problemPlace(field)}: ${message}` : message}</p>
            ))}
          </Banner>
        ) : null}
        <Card>
          <FormLayout>
            <Checkbox label="Score customers" checked={config.enabled} onChange={(enabled) => set({ enabled })} helpText="Off: scores stay as they are and nothing new is scored." />
            <FormLayout.Group condensed>
              <TextField label="Sales-ready at" type="number" suffix="points" autoComplete="off" value={shown(config.threshold)} onChange={(v) => set({ threshold: typed(v) })} />
              <TextField label="Points halve every" type="number" suffix="days" autoComplete="off" value={shown(config.halfLifeDays)} onChange={(v) => set({ halfLifeDays: typed(v) })} />
              <TextField label="Highest score" type="number" suffix="points" autoComplete="off" value={shown(config.maxScore)} onChange={(v) => set({ maxScore: typed(v) })} />
            </FormLayout.Group>
          </FormLayout>
        </Card>
        <Card>
          <BlockStack gap="400">
            <Text as="h3" variant="headingSm">
              Points per event
            </Text>
            {config.eventRules.map((rule, i) => (
              <RuleRow key={rule.id} onRemove={() => set({ eventRules: config.eventRules.filter((_, j) => j !== i) })}>
                <FormLayout>
                  <FormLayout.Group condensed>
                    <Select label="When a customer…" options={eventOptions} value={rule.event} onChange={(event) => setEventRule(i, { event: event as EventRule["event"] })} />
                    <TextField label="Points" type="number" autoComplete="off" value={shown(rule.points)} onChange={(v) => setEventRule(i, { points: typed(v) })} />
                    <TextField
                      label="At most"
                      type="number"
                      autoComplete="off"
                      helpText="Empty: no limit"
                      value={rule.cap === undefined ? "" : shown(rule.cap)}
                      onChange={(v) => setEventRule(i, { cap: v.trim() === "" ? undefined : typed(v) })}
                    />
                  </FormLayout.Group>
                  <FilterFields
                    filter={rule.where?.[0]}
                    pathLabel="Only when the event's property"
                    onChange={(f) => setEventRule(i, { where: f ? [f, ...(rule.where?.slice(1) ?? [])] : rule.where?.slice(1) })}
                  />
                  {rule.where && rule.where.length > 1 ? <Text as="p" tone="subdued">{`and ${rule.where.length - 1} more condition(s), kept as they are`}</Text> : null}
                </FormLayout>
              </RuleRow>
            ))}
            <InlineStack>
              <Button onClick={() => set({ eventRules: [...config.eventRules, { id: newId("event", allRules), event: "Viewed Product", points: 1 }] })}>Add an event rule</Button>
            </InlineStack>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="400">
            <Text as="h3" variant="headingSm">
              Points per customer property
            </Text>
            <Text as="p" tone="subdued">
              Held while the customer matches (for example ordersCount at least 3, or properties.company is set); they do not fade.
            </Text>
            {config.propertyRules.map((rule, i) => (
              <RuleRow key={rule.id} onRemove={() => set({ propertyRules: config.propertyRules.filter((_, j) => j !== i) })}>
                <FormLayout>
                  <FilterFields filter={rule.filter} pathLabel="Customer field" onChange={(f) => (f ? setPropertyRule(i, { filter: f }) : undefined)} />
                  <TextField label="Points" type="number" autoComplete="off" value={shown(rule.points)} onChange={(v) => setPropertyRule(i, { points: typed(v) })} />
                </FormLayout>
              </RuleRow>
            ))}
            <InlineStack gap="200">
              <Button
                onClick={() =>
                  set({ propertyRules: [...config.propertyRules, { id: newId("property", allRules), filter: { path: "ordersCount", op: "gte", value: 1 }, points: 5 }] })
                }
              >
                Add a property rule
              </Button>
              <Button variant="plain" onClick={() => setConfig(DEFAULT_SCORING)}>
                Back to the default rules
              </Button>
            </InlineStack>
          </BlockStack>
        </Card>
        <SaveBar saved={Boolean(result?.ok)} busy={fetcher.state !== "idle"} label="Save rules" />
      </BlockStack>
    </fetcher.Form>
  );
}

function HandoffForm({ initial }: { initial: { salesReadyTag: string; crmWebhookUrl: string } }) {
  const fetcher = useFetcher<ScoringActionResult>({ key: "scoring-handoff" });
  const [values, setValues] = useState(initial);
  const result = fetcher.state === "idle" && fetcher.data?.section === "handoff" ? fetcher.data : undefined;
  const errors = result && !result.ok ? result.errors : {};
  return (
    <Card>
      <fetcher.Form method="post" noValidate>
        <input type="hidden" name="intent" value="handoff" />
        <BlockStack gap="400">
          {result && !result.ok ? <Banner tone="critical" title={result.message}><p>Nothing was saved.</p></Banner> : null}
          <FormLayout>
            <TextField
              label="Tag the customer in Shopify"
              name="salesReadyTag"
              autoComplete="off"
              placeholder="sales-ready"
              helpText="Added to the customer in Shopify when they become sales-ready. Empty: no tag."
              value={values.salesReadyTag}
              onChange={(v) => setValues((x) => ({ ...x, salesReadyTag: v }))}
              error={errors.salesReadyTag}
            />
            <TextField
              label="CRM webhook"
              name="crmWebhookUrl"
              type="url"
              autoComplete="off"
              placeholder="https://"
              helpText="We POST the customer and score here, signed (X-Signature: sha256 HMAC of the body). Public https addresses only. Empty: none."
              value={values.crmWebhookUrl}
              onChange={(v) => setValues((x) => ({ ...x, crmWebhookUrl: v }))}
              error={errors.crmWebhookUrl}
            />
          </FormLayout>
          <SaveBar saved={Boolean(result?.ok)} busy={fetcher.state !== "idle"} />
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

export default function LeadScoring() {
  const d = useLoaderData<typeof loader>();
  return (
    <Page title="Lead scoring">
      <Layout>
        <Layout.AnnotatedSection
          title="Rules"
          description={`Customers earn points for what they do; points halve every ${d.config.halfLifeDays} days. At ${d.config.threshold} points a customer becomes sales-ready: the "Became Sales-Ready" event starts any flow with that trigger. ${d.salesReady === 1 ? "1 customer is" : `${d.salesReady} customers are`} at or above it as of their last change.`}
        >
          <RulesForm initial={d.config} events={d.events} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title="Hand-off to sales" description="What happens, once per crossing, when a customer becomes sales-ready.">
          <HandoffForm initial={d.handoff} />
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}
