import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Card, IndexTable, Link, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import { NumericCell } from "../components/NumericCell";
import db from "../db.server";
import { listSegments } from "../models/segments.server";

export const meta: MetaFunction = () => [{ title: "Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const segments = await listSegments(db, shop, new Date());
  return { segments: segments.map((s) => ({ ...s, updatedAt: s.updatedAt.toISOString().slice(0, 10) })) };
};

export default function Segments() {
  const { segments } = useLoaderData<typeof loader>();
  return (
    <Page
      title="Segments"
      subtitle="Groups of customers by what they are and what they did, always up to date"
      primaryAction={{ content: "Create segment", url: "/app/segments/new" }}
      secondaryActions={[{ content: "Import customers from CSV", url: "/app/customers/import" }]}
    >
      <Card padding="0">
        <IndexTable
          resourceName={{ singular: "segment", plural: "segments" }}
          itemCount={segments.length}
          selectable={false}
          emptyState={
            <div style={{ padding: "var(--p-space-400)" }}>
              <Text as="p">No segments yet. Create one to group customers, e.g. everyone who ordered in the last 90 days.</Text>
            </div>
          }
          headings={[{ title: "Segment" }, { title: "Profiles", alignment: "end" }, { title: "Last changed" }]}
        >
          {segments.map((s, index) => (
            <IndexTable.Row id={s.id} key={s.id} position={index}>
              <IndexTable.Cell>
                <Link url={`/app/segments/${s.id}`} monochrome removeUnderline>
                  <Text as="span" fontWeight="semibold">{s.name}</Text>
                </Link>
              </IndexTable.Cell>
              {s.valid ? <NumericCell>{s.members ?? 0}</NumericCell> : <IndexTable.Cell><Badge tone="warning">Needs editing</Badge></IndexTable.Cell>}
              <IndexTable.Cell>{s.updatedAt}</IndexTable.Cell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      </Card>
    </Page>
  );
}
