import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Card,
  Checkbox,
  DescriptionList,
  FormLayout,
  Layout,
  Link,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState, type ReactNode } from "react";
import { requireShop } from "../admin.server";
import { SaveBar } from "../components/SaveBar";
import db from "../db.server";
import {
  describeHours,
  describeQuietHours,
  needsAttributionRecompute,
  parseSettingsForm,
  settingsFormValues,
  timezoneChoices,
  type FieldErrors,
  type SettingsField,
  type SettingsFormValues,
  type SettingsSection,
} from "../domain/settings";
import { readBodyWithin } from "../http/body.server";
import { attributionRecomputeProgress, requestAttributionRecompute, type RecomputeProgress } from "../models/attribution.server";
import { loadSettings, updateSettingsSection } from "../models/shop-settings.server";

export const meta: MetaFunction = () => [{ title: "Settings" }];

/** Settings forms are a few hundred bytes; anything near this is not a merchant typing. */
const MAX_BODY_BYTES = 64 * 1024;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const s = await loadSettings(db, shop.id);
  if (!s) throw new Response("Shop not found", { status: 404 });
  return {
    store: [
      { term: "Shop", description: `${shop.name} (${shop.domain})` },
      { term: "Currency", description: shop.currency },
    ],
    form: settingsFormValues(s),
    quietHours:
      s.quietHoursStartMin === s.quietHoursEndMin
        ? "No quiet hours: emails go out at any time."
        : `Emails wait out ${describeQuietHours(s.quietHoursStartMin, s.quietHoursEndMin)} (${s.timezone}).`,
    attribution:
      s.attributionRule === "click_only"
        ? `Orders are credited to the last email clicked within ${describeHours(s.clickWindowHours)}.`
        : `Orders are credited to the last email clicked within ${describeHours(s.clickWindowHours)}, else the last opened within ${describeHours(s.openWindowHours)}.`,
    recompute: describeRecompute(await attributionRecomputeProgress(db, shop.id)),
    postalAddressMissing: !s.postalAddress,
    timezones: [...timezoneChoices(s.timezone)].sort(),
  };
};

/** The recompute's progress in words, or null when none ever ran. */
function describeRecompute(progress: RecomputeProgress): string | null {
  if (!progress) return null;
  if (progress.status !== "done") return `Recomputing attribution under the new rule: ${progress.done} of ${progress.total} orders.`;
  return `Attribution recomputed for ${progress.total} orders on ${progress.finishedAt?.toISOString().slice(0, 10)}.`;
}

/** What a save answers: the stored values and what changed, or the errors to show beside the fields. */
export type SettingsActionResult =
  | { ok: true; section: SettingsSection; values: Record<string, unknown>; changed: SettingsField[] }
  | { ok: false; section: SettingsSection | null; message: string; errors: FieldErrors };

const answer = (result: SettingsActionResult, status = 200) => Response.json(result, { status });

/** Saves the one section the form names, for the session's shop only (the form carries no shop id). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const body = await readBodyWithin(request, MAX_BODY_BYTES);
  if (body === null) return answer({ ok: false, section: null, message: "Request too large", errors: {} }, 413);
  const parsed = parseSettingsForm(new URLSearchParams(body), { timezones: timezoneChoices(shop.timezone) });
  if (!parsed.ok) return answer(parsed, 400);
  const saved = await updateSettingsSection(db, shop.id, parsed.update);
  if (!saved) return answer({ ok: false, section: parsed.update.section, message: "Shop not found", errors: {} }, 404);
  // Past orders are credited again under the new rule, in the background (the worker's passes).
  if (needsAttributionRecompute(saved.changed)) await requestAttributionRecompute(db, shop.id, new Date());
  return answer({ ok: true, ...saved });
};

const RULE_OPTIONS = [
  { label: "Last click, else last open", value: "click_then_open" },
  { label: "Last click only", value: "click_only" },
];
const UNIT_OPTIONS = [
  { label: "hours", value: "hours" },
  { label: "days", value: "days" },
];

/** One section's form: its own fetcher (so sections save independently), its field state and its errors. */
function useSectionForm<S extends SettingsSection>(section: S, initial: SettingsFormValues[S]) {
  const fetcher = useFetcher<SettingsActionResult>({ key: `settings-${section}` });
  const [values, setValues] = useState(initial);
  const result = fetcher.state === "idle" && fetcher.data?.section === section ? fetcher.data : undefined;
  // After a save (or when the stored values change) show what was stored, normalised; keep unsaved edits otherwise.
  // The fetcher turns idle only after the loader has revalidated, so `initial` is already the stored state.
  const stored = JSON.stringify(initial);
  const [synced, setSynced] = useState({ stored, result });
  if (synced.stored !== stored || (result?.ok && synced.result !== result)) {
    setSynced({ stored, result });
    setValues(initial);
  }
  const errors: FieldErrors = result && !result.ok ? result.errors : {};
  const set = (name: keyof SettingsFormValues[S] & string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  // The props a Polaris TextField needs to be one of this form's fields.
  const field = (name: keyof SettingsFormValues[S] & string) => ({
    name,
    value: String(values[name]),
    onChange: (value: string) => set(name, value),
    error: errors[name],
    autoComplete: "off",
  });
  return { fetcher, values, set, field, result };
}

function SectionForm(props: {
  section: SettingsSection;
  fetcher: ReturnType<typeof useFetcher<SettingsActionResult>>;
  result: SettingsActionResult | undefined;
  children: ReactNode;
}) {
  const { section, fetcher, result } = props;
  return (
    <Card>
      <fetcher.Form method="post" noValidate>
        <input type="hidden" name="intent" value={section} />
        <BlockStack gap="400">
          {result && !result.ok ? (
            <Banner tone="critical" title={result.message}>
              <p>Nothing was saved.</p>
            </Banner>
          ) : null}
          <FormLayout>{props.children}</FormLayout>
          <SaveBar saved={Boolean(result?.ok)} busy={fetcher.state !== "idle"} />
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

function Swatch({ color }: { color: string }) {
  const valid = /^#[0-9a-fA-F]{6}$/.test(color.trim());
  const style = {
    display: "inline-block",
    width: 20,
    height: 20,
    borderRadius: 4,
    border: "1px solid rgba(0,0,0,0.25)",
    background: valid ? color.trim() : "transparent",
    verticalAlign: "middle",
  };
  return <span role="img" aria-label={valid ? `Colour ${color.trim()}` : "No valid colour"} style={style} />;
}

function SenderSection({ initial }: { initial: SettingsFormValues["sender"] }) {
  const { fetcher, values, field, result } = useSectionForm("sender", initial);
  return (
    <SectionForm section="sender" fetcher={fetcher} result={result}>
      <TextField label="Sender name" helpText="Empty uses the shop's name." {...field("senderName")} />
      <TextField
        label="Sender email address"
        type="email"
        helpText="Its domain must be verified in Resend, or Resend refuses the emails."
        {...field("senderEmail")}
      />
      <TextField label="Reply-to address" type="email" helpText="Where replies go. Empty means the sender address." {...field("replyToEmail")} />
      <TextField label="Logo URL" type="url" placeholder="https://" helpText="An https:// image shown at the top of every email." {...field("logoUrl")} />
      <TextField
        label="Brand colour"
        prefix={<Swatch color={values.brandColor} />}
        helpText="Buttons and links, as # and six hex digits."
        maxLength={7}
        {...field("brandColor")}
      />
      <TextField
        label="Postal address"
        multiline={4}
        helpText="Printed in every email's footer. Anti-spam laws require a physical address in marketing email."
        {...field("postalAddress")}
      />
    </SectionForm>
  );
}

function SendingSection(props: { initial: SettingsFormValues["sending"]; quietHours: string; timezones: string[] }) {
  const { fetcher, values, set, field, result } = useSectionForm("sending", props.initial);
  return (
    <SectionForm section="sending" fetcher={fetcher} result={result}>
      <TextField
        label="Smart sending window"
        type="number"
        suffix="hours"
        min={0}
        max={720}
        helpText="At most one marketing email per person within this window (0 turns it off)."
        {...field("smartSendingHours")}
      />
      <FormLayout.Group condensed>
        <TextField label="Quiet hours start" type="time" {...field("quietHoursStart")} />
        <TextField label="Quiet hours end" type="time" {...field("quietHoursEnd")} />
      </FormLayout.Group>
      <Text as="p" tone="subdued">
        {props.quietHours} The same start and end means no quiet hours.
      </Text>
      <Select
        label="Shop timezone"
        name="timezone"
        options={props.timezones}
        value={values.timezone}
        onChange={(v) => set("timezone", v)}
        error={result && !result.ok ? result.errors.timezone : undefined}
        helpText="Quiet hours, delays and daily numbers follow it."
      />
      <TextField
        label="Holdout share"
        type="number"
        suffix="%"
        min={0}
        max={50}
        helpText="Flow entrants who get no email, to measure what each flow really earns (0 turns it off)."
        {...field("holdoutPercent")}
      />
    </SectionForm>
  );
}

function AttributionSection(props: { initial: SettingsFormValues["attribution"]; summary: string; recompute: string | null }) {
  const { fetcher, values, set, field, result } = useSectionForm("attribution", props.initial);
  const unit = (name: "clickWindowUnit" | "openWindowUnit", label: string) => (
    <Select label={label} labelHidden name={name} options={UNIT_OPTIONS} value={values[name]} onChange={(v) => set(name, v)} />
  );
  return (
    <SectionForm section="attribution" fetcher={fetcher} result={result}>
      <Text as="p" tone="subdued">
        {props.summary}
      </Text>
      {props.recompute ? <Text as="p">{props.recompute}</Text> : null}
      <Select
        label="Rule"
        name="attributionRule"
        options={RULE_OPTIONS}
        value={values.attributionRule}
        onChange={(v) => set("attributionRule", v)}
        error={result && !result.ok ? result.errors.attributionRule : undefined}
      />
      <FormLayout.Group condensed>
        <TextField label="Click window" type="number" min={1} connectedRight={unit("clickWindowUnit", "Click window unit")} {...field("clickWindow")} />
        <TextField
          label="Open window"
          type="number"
          min={1}
          helpText={values.attributionRule === "click_only" ? "Not used by the last-click rule." : undefined}
          connectedRight={unit("openWindowUnit", "Open window unit")}
          {...field("openWindow")}
        />
      </FormLayout.Group>
      <Text as="p" tone="subdued">
        Each window is between 1 hour and 30 days.
      </Text>
      {/* A checkbox sends nothing when unticked; the hidden field always says which. */}
      <input type="hidden" name="excludeMachineOpens" value={values.excludeMachineOpens} />
      <Checkbox
        label="Exclude machine opens"
        helpText="Opens by mail privacy proxies (e.g. Apple Mail) are not a person reading the email."
        checked={values.excludeMachineOpens === "true"}
        onChange={(checked) => set("excludeMachineOpens", String(checked))}
      />
    </SectionForm>
  );
}

export default function Settings() {
  const d = useLoaderData<typeof loader>();
  return (
    <Page title="Settings">
      <BlockStack gap="400">
        {d.postalAddressMissing ? (
          <Banner tone="warning" title="Add your postal address">
            <p>
              Anti-spam laws (CAN-SPAM, CASL, GDPR) require a physical postal address in every marketing email. Add it
              under Sender and brand; it is printed in every email&apos;s footer.
            </p>
          </Banner>
        ) : null}
        <Text as="p" tone="subdued">
          These are the defaults every flow uses.
        </Text>
        <Layout>
          <Layout.AnnotatedSection title="Store">
            <Card>
              <DescriptionList items={d.store} />
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Sender and brand" description="Who your emails come from and how they look.">
            <SenderSection initial={d.form.sender} />
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Sending" description="When marketing emails may go out, and who is held out.">
            <SendingSection initial={d.form.sending} quietHours={d.quietHours} timezones={d.timezones} />
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Attribution" description="Which email earns an order's revenue.">
            <AttributionSection initial={d.form.attribution} summary={d.attribution} recompute={d.recompute} />
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Data and privacy">
            <Card>
              <BlockStack gap="200">
                <Link url="/app/outbox">Outbox</Link>
                <Text as="p" tone="subdued">
                  Emails as they were sent when no email provider is configured (the demo and development).
                </Text>
                <Link url="/app/backfill">History import</Link>
                <Text as="p" tone="subdued">
                  Past customers and orders imported from Shopify, and the import&apos;s progress.
                </Text>
                <Link url="/app/data-requests">Customer data requests</Link>
                <Text as="p" tone="subdued">
                  What Shopify&apos;s customer data requests asked for, ready to download and hand over.
                </Text>
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>
        </Layout>
      </BlockStack>
    </Page>
  );
}
