import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, List, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { CSV_IMPORT_LIMITS, parseCustomerCsv, type RowError } from "../domain/profiles/csv-import";
import { readBodyWithin } from "../http/body.server";
import { importProfiles } from "../models/profile-import.server";

export const meta: MetaFunction = () => [{ title: "Import customers" }];

/** The file plus the multipart envelope around it. */
const MAX_BODY = CSV_IMPORT_LIMITS.bytes + 64 * 1024;
/** Row errors sent back at most: enough to fix a file, bounded for a file that is wrong throughout. */
const MAX_ROW_ERRORS = 100;

export type ImportReply =
  | { ok: true; created: number; updated: number }
  | { ok: false; error: string; rowErrors?: RowError[]; moreRowErrors?: number; created?: number; updated?: number };

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await requireShop(request);
  return { limits: CSV_IMPORT_LIMITS };
};

const reply = (body: ImportReply, status = 200) => Response.json(body, { status });

/** Imports a customer CSV into the current shop: every row checked first; a file with a bad row imports nothing. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const body = await readBodyWithin(request, MAX_BODY);
  if (body === null) return reply({ ok: false, error: `The file is larger than ${CSV_IMPORT_LIMITS.bytes / 1024 / 1024} MB` }, 413);
  let file: FormDataEntryValue | null = null;
  try {
    const form = await new Request(request.url, { method: "POST", headers: { "Content-Type": request.headers.get("Content-Type") ?? "" }, body }).formData();
    file = form.get("file");
  } catch {
    return reply({ ok: false, error: "Send the file as a form upload (multipart/form-data, field “file”)" }, 400);
  }
  if (!file || typeof file === "string") return reply({ ok: false, error: "Choose a CSV file to import" }, 400);
  const now = new Date();
  const parsed = parseCustomerCsv(await file.text(), now);
  if (!parsed.ok) {
    const rowErrors = parsed.rowErrors.slice(0, MAX_ROW_ERRORS);
    return reply({ ok: false, error: parsed.error, rowErrors, moreRowErrors: parsed.rowErrors.length - rowErrors.length }, 400);
  }
  const outcome = await importProfiles(db, shop, parsed.rows, now);
  if (!outcome.ok) {
    const stored = outcome.created + outcome.updated;
    return reply(
      { ok: false, error: `Storing failed at row ${outcome.failedAtLine} (${outcome.error}). The ${stored} rows before it were imported; that row and the ones after it were not. Import the file again: rows already imported are matched, not duplicated.`, created: outcome.created, updated: outcome.updated },
      500,
    );
  }
  return reply({ ok: true, created: outcome.created, updated: outcome.updated });
};

export default function ImportCustomers() {
  const result = useActionData<ImportReply>();
  const navigation = useNavigation();
  return (
    <Page title="Import customers from CSV" backAction={{ content: "Segments", url: "/app/segments" }}>
      <BlockStack gap="400">
        {result?.ok ? <Banner tone="success">Imported: {result.created} new customers, {result.updated} existing customers updated.</Banner> : null}
        {result && !result.ok ? (
          <Banner tone="critical" title={result.error}>
            {result.rowErrors?.length ? (
              <List>
                {result.rowErrors.map((r) => (
                  <List.Item key={r.line}>Row {r.line}: {r.errors.join("; ")}</List.Item>
                ))}
                {result.moreRowErrors ? <List.Item>…and {result.moreRowErrors} more rows</List.Item> : null}
              </List>
            ) : null}
          </Banner>
        ) : null}
        <Card>
          <BlockStack gap="300">
            <Text as="p">
              A header row names the columns. <b>email</b> is required; <b>first_name</b>, <b>last_name</b>, <b>phone</b>, <b>email_consent</b> (subscribed, unsubscribed, pending, unknown, or yes/no) and <b>email_consent_at</b> (when the customer gave or withdrew it) are read as such; any other column, e.g. <b>birthday</b> or <b>gender</b>, becomes a custom property segments can use.
            </Text>
            <Text as="p" tone="subdued">
              Customers already known by their email are updated, not duplicated. Consent is kept with its date and “csv import” as its source; a newer consent already on file is not overwritten. If any row has a problem nothing is imported, and every problem is listed by row. Up to {CSV_IMPORT_LIMITS.rows} customers and {CSV_IMPORT_LIMITS.bytes / 1024 / 1024} MB per file.
            </Text>
            <Form method="post" encType="multipart/form-data">
              <BlockStack gap="300">
                <input type="file" name="file" accept=".csv,text/csv" required />
                <div>
                  <Button submit variant="primary" loading={navigation.state === "submitting"}>Import</Button>
                </div>
              </BlockStack>
            </Form>
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
