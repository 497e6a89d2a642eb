import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, IndexTable, Link, Page, Text } from "@shopify/polaris";
import { z } from "zod";
import { requireShop } from "../admin.server";
import { FLOW_STATUS_BADGE } from "../components/flowStatus";
import { NumericCell } from "../components/NumericCell";
import db from "../db.server";
import { formatMoney } from "../domain/money";
import { readBodyWithin } from "../http/body.server";
import { listFlowsWithNumbers, setFlowLive } from "../models/flows.server";

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

const switchForm = z.object({ flowId: z.string().min(1).max(64), intent: z.enum(["on", "off"]) });

/** Switches a flow on or off for the current shop only. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const body = await readBodyWithin(request, 4096);
  if (body === null) return Response.json({ error: "Request too large" }, { status: 413 });
  const parsed = switchForm.safeParse(Object.fromEntries(new URLSearchParams(body)));
  if (!parsed.success) return Response.json({ error: "Choose a flow and whether to turn it on or off" }, { status: 400 });
  const flow = await setFlowLive(db, shop.id, parsed.data.flowId, parsed.data.intent === "on");
  if (!flow) return Response.json({ error: "No such flow" }, { status: 404 });
  return Response.json({ flowId: flow.id, status: flow.status });
};

export default function Flows() {
  const { flows } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busyFlow = navigation.state !== "idle" ? navigation.formData?.get("flowId") : null;
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
            { title: "" },
          ]}
        >
          {flows.map((flow, index) => {
            const badge = FLOW_STATUS_BADGE[flow.status] ?? { label: flow.status };
            return (
              <IndexTable.Row id={flow.id} key={flow.id} position={index}>
                <IndexTable.Cell>
                  <Link url={`/app/flows/${flow.id}`} monochrome removeUnderline>
                    <Text as="span" fontWeight="semibold">
                      {flow.name}
                    </Text>
                  </Link>
                  {flow.description ? (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {flow.description}
                    </Text>
                  ) : null}
                  {flow.rationale ? (
                    <div style={{ maxWidth: 480, whiteSpace: "normal" }}>
                      <Text as="p" variant="bodySm">
                        {flow.rationale}
                      </Text>
                    </div>
                  ) : null}
                </IndexTable.Cell>
                <IndexTable.Cell>{flow.trigger ?? "Custom"}</IndexTable.Cell>
                <IndexTable.Cell>
                  <Badge tone={badge.tone}>{badge.label}</Badge>
                </IndexTable.Cell>
                <NumericCell>{flow.entered}</NumericCell>
                <NumericCell>{flow.sent}</NumericCell>
                <NumericCell>{flow.revenue}</NumericCell>
                <IndexTable.Cell>
                  <Form method="post">
                    <input type="hidden" name="flowId" value={flow.id} />
                    <input type="hidden" name="intent" value={flow.status === "live" ? "off" : "on"} />
                    <Button submit loading={busyFlow === flow.id} variant={flow.status === "live" ? "secondary" : "primary"}>
                      {flow.status === "live" ? `Turn off ${flow.name}` : `Turn on ${flow.name}`}
                    </Button>
                  </Form>
                </IndexTable.Cell>
              </IndexTable.Row>
            );
          })}
        </IndexTable>
      </Card>
    </Page>
  );
}
