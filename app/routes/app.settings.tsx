import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, DescriptionList, Layout, Link, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { getShopSettings } from "../models/shop.server";

export const meta: MetaFunction = () => [{ title: "Settings" }];

function clock(minutes: number) {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function hours(h: number) {
  return h % 24 === 0 ? `${h / 24} days` : `${h} hours`;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const s = await getShopSettings(db, shop.id);
  return {
    store: [
      { term: "Shop", description: `${shop.name} (${shop.domain})` },
      { term: "Currency", description: shop.currency },
      { term: "Timezone", description: shop.timezone },
    ],
    sender: [
      { term: "Sender name", description: s.senderName ?? shop.name },
      { term: "Sender address", description: s.senderEmail ?? "Not set yet" },
      { term: "Reply-to", description: s.replyToEmail ?? "Same as sender" },
      { term: "Brand colour", description: s.brandColor },
    ],
    sending: [
      {
        term: "Attribution",
        description:
          s.attributionRule === "click_only"
            ? `Last click within ${hours(s.clickWindowHours)}`
            : `Last click within ${hours(s.clickWindowHours)}, else last open within ${hours(s.openWindowHours)}`,
      },
      { term: "Machine opens", description: s.excludeMachineOpens ? "Excluded from attribution" : "Counted" },
      { term: "Smart sending", description: `At most one marketing email per ${hours(s.smartSendingHours)}` },
      { term: "Quiet hours", description: `${clock(s.quietHoursStartMin)}–${clock(s.quietHoursEndMin)} shop time` },
      { term: "Holdout group", description: `${s.holdoutPercent} % of flow entrants` },
    ],
  };
};

export default function Settings() {
  const d = useLoaderData<typeof loader>();
  const section = (title: string, items: { term: string; description: string }[]) => (
    <Layout.AnnotatedSection title={title}>
      <Card>
        <DescriptionList items={items} />
      </Card>
    </Layout.AnnotatedSection>
  );
  return (
    <Page title="Settings">
      <BlockStack gap="400">
        <Text as="p" tone="subdued">
          These are the defaults every flow uses.
        </Text>
        <Layout>
          {section("Store", d.store)}
          {section("Sender and brand", d.sender)}
          {section("Sending and attribution", d.sending)}
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
