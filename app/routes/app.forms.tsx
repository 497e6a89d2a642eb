// Signup forms: how each storefront form converts (views, submissions, double opt-in confirmations) over the last
// 30 days, read from the daily counters, and the shop's double opt-in settings.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, FormLayout, IndexTable, Layout, List, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";
import { NumericCell } from "../components/NumericCell";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { recentDays } from "../domain/time";
import { readBodyWithin } from "../http/body.server";
import { getShopSettings } from "../models/shop.server";
import { formReport } from "../models/signups.server";

export const meta: MetaFunction = () => [{ title: "Signup forms" }];

const MAX_BODY_BYTES = 4 * 1024;
export const CONFIRM_HOURS = { min: 1, max: 168 } as const;

const percent = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)} %`);

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const days = recentDays(new Date(), shop.timezone, 30);
  const [rows, settings, waiting] = await Promise.all([
    formReport(db, shop.id, days[0]!, days[days.length - 1]!),
    getShopSettings(db, shop.id),
    db.pendingSignup.count({ where: { shopId: shop.id, status: "pending", expiresAt: { gt: new Date() } } }),
  ]);
  return {
    period: { from: days[0]!, to: days[days.length - 1]! },
    forms: rows.map((r) => ({ ...r, lastSeenAt: r.lastSeenAt.toISOString().slice(0, 10), conversion: percent(r.conversionRate) })),
    settings: { requireDoubleOptIn: settings.requireDoubleOptIn, signupConfirmHours: settings.signupConfirmHours },
    waiting,
  };
};

const settingsSchema = z.object({
  requireDoubleOptIn: z.enum(["true", "false"]).transform((v) => v === "true"),
  signupConfirmHours: z.coerce
    .number({ error: "Enter a number of hours" })
    .int("Enter a whole number of hours")
    .min(CONFIRM_HOURS.min, `At least ${CONFIRM_HOURS.min} hour`)
    .max(CONFIRM_HOURS.max, `At most ${CONFIRM_HOURS.max} hours (7 days)`),
});

export type FormsActionResult = { ok: true } | { ok: false; message: string; errors: Record<string, string> };

/** Saves the double opt-in settings of the session's shop (the form carries no shop id). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const body = await readBodyWithin(request, MAX_BODY_BYTES);
  if (body === null) return Response.json({ ok: false, message: "Request too large", errors: {} } satisfies FormsActionResult, { status: 413 });
  const fields = new URLSearchParams(body);
  const parsed = settingsSchema.safeParse({ requireDoubleOptIn: fields.get("requireDoubleOptIn"), signupConfirmHours: fields.get("signupConfirmHours") });
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
    return Response.json({ ok: false, message: "Check the highlighted fields", errors } satisfies FormsActionResult, { status: 400 });
  }
  await db.shopSettings.upsert({ where: { shopId: shop.id }, create: { shopId: shop.id, ...parsed.data }, update: parsed.data });
  return Response.json({ ok: true } satisfies FormsActionResult);
};

function DoubleOptInSettings({ initial }: { initial: { requireDoubleOptIn: boolean; signupConfirmHours: number } }) {
  const fetcher = useFetcher<FormsActionResult>();
  const [required, setRequired] = useState(initial.requireDoubleOptIn);
  const [hours, setHours] = useState(String(initial.signupConfirmHours));
  const result = fetcher.data;
  const errors = result && !result.ok ? result.errors : {};
  return (
    <Card>
      <fetcher.Form method="post" noValidate>
        <input type="hidden" name="requireDoubleOptIn" value={String(required)} />
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            Double opt-in
          </Text>
          {result?.ok && <Banner tone="success">Saved.</Banner>}
          {result && !result.ok && <Banner tone="critical">{result.message}</Banner>}
          <FormLayout>
            <Checkbox
              label="Require double opt-in on every form"
              helpText="New subscribers confirm by clicking a link in an email before they receive marketing. Each form can also turn this on in the theme editor."
              checked={required}
              onChange={setRequired}
            />
            <TextField
              label="Confirmation link valid for"
              type="number"
              name="signupConfirmHours"
              suffix="hours"
              min={CONFIRM_HOURS.min}
              max={CONFIRM_HOURS.max}
              value={hours}
              onChange={setHours}
              error={errors.signupConfirmHours}
              autoComplete="off"
            />
          </FormLayout>
          <Button submit variant="primary" loading={fetcher.state !== "idle"}>
            Save
          </Button>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

export default function SignupForms() {
  const { forms, period, settings, waiting } = useLoaderData<typeof loader>();
  return (
    <Page title="Signup forms" subtitle={`Last 30 days (${period.from} to ${period.to})`}>
      <Layout>
        <Layout.Section>
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "form", plural: "forms" }}
              itemCount={forms.length}
              selectable={false}
              emptyState={
                <div style={{ padding: "var(--p-space-400)" }}>
                  <BlockStack gap="200">
                    <Text as="p">No signup form has been seen on your storefront yet. To add one:</Text>
                    <List type="number">
                      <List.Item>In Shopify admin, open Online Store, Themes, Customize.</List.Item>
                      <List.Item>Add the “Signup form” block to any section, or switch on the “Signup popup” app embed.</List.Item>
                      <List.Item>Save: the form shows up here after its first visitor.</List.Item>
                    </List>
                  </BlockStack>
                </div>
              }
              headings={[
                { title: "Form" },
                { title: "Type" },
                { title: "Views", alignment: "end" },
                { title: "Signups", alignment: "end" },
                { title: "Confirmed", alignment: "end" },
                { title: "Conversion", alignment: "end" },
                { title: "Last seen" },
              ]}
            >
              {forms.map((f, index) => (
                <IndexTable.Row id={f.formKey} key={f.formKey} position={index}>
                  <IndexTable.Cell>
                    <Text as="span" fontWeight="semibold">
                      {f.name}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{f.kind === "popup" ? "Popup" : "Inline"}</IndexTable.Cell>
                  <NumericCell>{f.views.toLocaleString("en-US")}</NumericCell>
                  <NumericCell>{f.submissions.toLocaleString("en-US")}</NumericCell>
                  <NumericCell>{f.confirmations.toLocaleString("en-US")}</NumericCell>
                  <NumericCell>{f.conversion}</NumericCell>
                  <IndexTable.Cell>{f.lastSeenAt}</IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <DoubleOptInSettings initial={settings} />
            <Card>
              <Text as="p" tone="subdued">
                {waiting === 1 ? "1 signup is" : `${waiting.toLocaleString("en-US")} signups are`} waiting for confirmation.
              </Text>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
