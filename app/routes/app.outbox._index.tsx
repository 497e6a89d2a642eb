import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { Card, IndexTable, Link, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { listOutboxMessages } from "../models/messages.server";

export const meta: MetaFunction = () => [{ title: "Outbox" }];

const MAX_PAGE = 10_000;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const requested = Number.parseInt(new URL(request.url).searchParams.get("page") ?? "1", 10);
  const page = Number.isFinite(requested) ? Math.min(MAX_PAGE, Math.max(1, requested)) : 1;
  const { messages, total, pageSize } = await listOutboxMessages(db, shop.id, page);
  return {
    page,
    total,
    pages: Math.max(1, Math.ceil(total / pageSize)),
    messages: messages.map((m) => ({
      id: m.id,
      to: m.toEmail,
      subject: m.subject,
      flow: m.flowName ?? "—",
      sentAt: m.sentAt ? m.sentAt.toISOString().slice(0, 16).replace("T", " ") : "—",
    })),
  };
};

export default function Outbox() {
  const { messages, total, page, pages } = useLoaderData<typeof loader>();
  const navigate = useNavigate();
  const navigation = useNavigation();
  return (
    <Page title="Outbox" subtitle={`${total} emails kept here instead of being sent (demo and development)`}>
      <Card padding="0">
        <IndexTable
          resourceName={{ singular: "email", plural: "emails" }}
          itemCount={messages.length}
          selectable={false}
          loading={navigation.state === "loading"}
          emptyState={
            <div style={{ padding: "var(--p-space-400)" }}>
              <Text as="p">No emails yet. Flows send here while no Resend API key is configured.</Text>
            </div>
          }
          headings={[{ title: "To" }, { title: "Subject" }, { title: "Flow" }, { title: "Sent (UTC)" }]}
          pagination={{
            hasPrevious: page > 1,
            hasNext: page < pages,
            onPrevious: () => navigate(`?page=${page - 1}`),
            onNext: () => navigate(`?page=${page + 1}`),
          }}
        >
          {messages.map((m, index) => (
            <IndexTable.Row id={m.id} key={m.id} position={index}>
              <IndexTable.Cell>{m.to}</IndexTable.Cell>
              <IndexTable.Cell>
                <Link url={`/app/outbox/${encodeURIComponent(m.id)}`} removeUnderline dataPrimaryLink>
                  <Text as="span" fontWeight="semibold">
                    {m.subject}
                  </Text>
                </Link>
              </IndexTable.Cell>
              <IndexTable.Cell>{m.flow}</IndexTable.Cell>
              <IndexTable.Cell>{m.sentAt}</IndexTable.Cell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      </Card>
    </Page>
  );
}
