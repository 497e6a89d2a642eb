import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, DescriptionList, Layout, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { withoutOpenPixel } from "../domain/email/links";
import { findOutboxMessage } from "../models/messages.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Outbox: ${data.message.subject}` : "Outbox" }];

/** One outbox email of the current shop; another shop's id is simply not found. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const row = params.id ? await findOutboxMessage(db, shop.id, params.id) : null;
  if (!row) throw new Response("Not found", { status: 404 });
  return {
    message: {
      id: row.id,
      to: row.toEmail,
      subject: row.subject,
      flow: row.flowName ?? "—",
      sentAt: row.sentAt ? row.sentAt.toISOString().slice(0, 16).replace("T", " ") : "—",
      html: withoutOpenPixel(row.html ?? ""),
      text: row.text ?? "",
    },
  };
};

export type OutboxMessageData = Awaited<ReturnType<typeof loader>>["message"];

/**
 * The email as its recipient would see it. The HTML is the merchant's template rendered with customer data, so it
 * goes into an iframe with an empty sandbox: no scripts, no forms, no same-origin access to the app.
 */
export function OutboxMessageView({ message }: { message: OutboxMessageData }) {
  return (
    <Page title={message.subject} backAction={{ content: "Outbox", url: "/app/outbox" }}>
      <Layout>
        <Layout.Section>
          <Card>
            <DescriptionList
              items={[
                { term: "To", description: message.to },
                { term: "Flow", description: message.flow },
                { term: "Sent (UTC)", description: message.sentAt },
              ]}
            />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            {message.html ? (
              <iframe
                title="HTML part"
                sandbox=""
                srcDoc={message.html}
                referrerPolicy="no-referrer"
                style={{ display: "block", width: "100%", height: 640, border: 0 }}
              />
            ) : (
              <div style={{ padding: "var(--p-space-400)" }}>
                <Text as="p">This email has no HTML part.</Text>
              </div>
            )}
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingSm">
                Text part
              </Text>
              <pre style={{ whiteSpace: "pre-wrap", margin: 0, fontFamily: "var(--p-font-family-mono)" }}>{message.text || "—"}</pre>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export default function OutboxMessage() {
  const { message } = useLoaderData<typeof loader>();
  return <OutboxMessageView message={message} />;
}
