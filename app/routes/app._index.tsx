import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { formatMoney } from "../domain/money";
import { BackfillProgress } from "../components/BackfillProgress";
import { listBackfillJobs } from "../models/backfill.server";
import { getHomeSummary } from "../models/dashboard.server";

export const meta: MetaFunction = () => [{ title: "Home" }];

function rate(part: bigint, whole: bigint): string {
  if (whole === 0n) return "–";
  return `${(Number((part * 10000n) / whole) / 100).toFixed(1)} %`;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const [summary, jobs] = await Promise.all([getHomeSummary(db, shop, new Date()), listBackfillJobs(db, shop.id)]);
  const t = summary.totals;
  // The import shows on Home until a day after it finished.
  const importing = jobs.some((j) => !j.finishedAt || Date.now() - j.finishedAt.getTime() < 86_400_000);
  return {
    backfill: importing ? jobs.map(({ kind, status, percent, label, failed }) => ({ kind, status, percent, label, failed })) : [],
    shopName: shop.name,
    period: { from: summary.from, to: summary.to },
    attributedRevenue: formatMoney(t.revenue, shop.currency),
    storeRevenue: formatMoney(t.store_revenue, shop.currency),
    attributedShare: rate(t.revenue, t.store_revenue),
    storeOrders: t.store_orders.toString(),
    attributedOrders: t.orders.toString(),
    emailsSent: t.sent.toString(),
    openRate: rate(t.opened, t.sent),
    clickRate: rate(t.clicked, t.sent),
    profiles: summary.profiles,
    subscribers: summary.subscribers,
  };
};

function Metric({ label, value, help }: { label: string; value: string | number; help?: string }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant="heading2xl">
          {value}
        </Text>
        {help ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {help}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

export default function Home() {
  const d = useLoaderData<typeof loader>();
  return (
    <Page title="Home" subtitle={`${d.shopName} · ${d.period.from} to ${d.period.to}`}>
      <Layout>
        {d.backfill.length > 0 ? (
          <Layout.Section>
            <BackfillProgress jobs={d.backfill} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            <Metric label="Attributed revenue" value={d.attributedRevenue} help={`${d.attributedShare} of store revenue`} />
            <Metric label="Store revenue" value={d.storeRevenue} help={`${d.storeOrders} orders`} />
            <Metric label="Emails sent" value={d.emailsSent} help={`Open rate ${d.openRate} · Click rate ${d.clickRate}`} />
            <Metric label="Subscribers" value={d.subscribers} help={`of ${d.profiles} customer profiles`} />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Flows earn from day one
              </Text>
              <Text as="p">
                Attributed revenue counts orders placed within the attribution window after a customer clicked or
                opened one of your emails. Switch on the preset flows under Flows to start earning it.
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
