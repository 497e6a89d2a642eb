import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Button, Card, IndexTable, Page, Text } from "@shopify/polaris";
import { useState } from "react";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { listDataRequests } from "../models/compliance/export.server";

export const meta: MetaFunction = () => [{ title: "Data requests" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const rows = await listDataRequests(db, shop.id);
  return {
    requests: rows.map((r) => ({
      id: r.id,
      requestId: r.requestId,
      customerId: r.shopifyCustomerId ?? "—",
      email: r.email ?? "—",
      receivedAt: r.createdAt.toISOString().slice(0, 16).replace("T", " "),
    })),
  };
};

/**
 * Fetched rather than linked: inside the Shopify admin only fetch carries the session token (App Bridge adds
 * it), a plain link would land on the login.
 */
async function download(id: string, requestId: string) {
  const response = await fetch(`/app/data-requests/${encodeURIComponent(id)}`);
  if (!response.ok) throw new Error(`Download failed (${response.status})`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `data-request-${requestId}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function DataRequests() {
  const { requests } = useLoaderData<typeof loader>();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = (id: string, requestId: string) => {
    setBusy(id);
    setError(null);
    download(id, requestId)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(null));
  };
  return (
    <Page
      title="Data requests"
      subtitle="Customers' requests for the data this app holds about them (Shopify's customers/data_request). Send the export to the customer."
    >
      <Card padding="0">
        {error ? (
          <div style={{ padding: "var(--p-space-300)" }}>
            <Text as="p" tone="critical">
              {error}
            </Text>
          </div>
        ) : null}
        <IndexTable
          resourceName={{ singular: "data request", plural: "data requests" }}
          itemCount={requests.length}
          selectable={false}
          emptyState={
            <div style={{ padding: "var(--p-space-400)" }}>
              <Text as="p">No data requests yet.</Text>
            </div>
          }
          headings={[{ title: "Request" }, { title: "Customer ID" }, { title: "Email" }, { title: "Received (UTC)" }, { title: "Export" }]}
        >
          {requests.map((r, index) => (
            <IndexTable.Row id={r.id} key={r.id} position={index}>
              <IndexTable.Cell>
                <Text as="span" fontWeight="semibold">
                  {r.requestId}
                </Text>
              </IndexTable.Cell>
              <IndexTable.Cell>{r.customerId}</IndexTable.Cell>
              <IndexTable.Cell>{r.email}</IndexTable.Cell>
              <IndexTable.Cell>{r.receivedAt}</IndexTable.Cell>
              <IndexTable.Cell>
                <Button size="slim" loading={busy === r.id} onClick={() => start(r.id, r.requestId)}>
                  Download JSON
                </Button>
              </IndexTable.Cell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      </Card>
    </Page>
  );
}
