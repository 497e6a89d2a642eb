import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Card, IndexTable, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import { NumericCell } from "../components/NumericCell";
import db from "../db.server";
import { formatMoney } from "../domain/money";
import { listFlowsWithNumbers } from "../models/flows.server";

export const meta: MetaFunction = () => [{ title: "Flows" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const flows = await listFlowsWithNumbers(db, shop, new Date());
  return {
    flows: flows.map((f) => ({
      ...f,
      entered: f.entered.toString(),
      sent: f.sent.toString(),
      revenue: formatMoney(f.revenue, shop.currency),
    })),
  };
};

const STATUS_BADGE: Record<string, { tone?: "success" | "attention"; label: string }> = {
  live: { tone: "success", label: "Live" },
  paused: { tone: "attention", label: "Paused" },
  draft: { label: "Off" },
};

export default function Flows() {
  const { flows } = useLoaderData<typeof loader>();
  return (
    <Page title="Flows" subtitle="Preset flows and their last 30 days">
      <Card padding="0">
        <IndexTable
          resourceName={{ singular: "flow", plural: "flows" }}
          itemCount={flows.length}
          selectable={false}
          headings={[
            { title: "Flow" },
            { title: "Trigger" },
            { title: "Status" },
            { title: "Entered", alignment: "end" },
            { title: "Emails sent", alignment: "end" },
            { title: "Revenue", alignment: "end" },
          ]}
        >
          {flows.map((flow, index) => {
            const badge = STATUS_BADGE[flow.status] ?? { label: flow.status };
            return (
              <IndexTable.Row id={flow.id} key={flow.id} position={index}>
                <IndexTable.Cell>
                  <Text as="span" fontWeight="semibold">
                    {flow.name}
                  </Text>
                  {flow.description ? (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {flow.description}
                    </Text>
                  ) : null}
                </IndexTable.Cell>
                <IndexTable.Cell>{flow.trigger ?? "Custom"}</IndexTable.Cell>
                <IndexTable.Cell>
                  <Badge tone={badge.tone}>{badge.label}</Badge>
                </IndexTable.Cell>
                <NumericCell>{flow.entered}</NumericCell>
                <NumericCell>{flow.sent}</NumericCell>
                <NumericCell>{flow.revenue}</NumericCell>
              </IndexTable.Row>
            );
          })}
        </IndexTable>
      </Card>
    </Page>
  );
}
