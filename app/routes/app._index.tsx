import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link as RemixLink, useLoaderData, useNavigation, useRouteError } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, DataTable, InlineGrid, InlineStack, Layout, Link, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { BackfillProgress } from "../components/BackfillProgress";
import { DateRangePicker } from "../components/dashboard/DateRangePicker";
import { RevenueChart } from "../components/dashboard/RevenueChart";
import { loadHome, type HomeData } from "../home.server";
import { listBackfillJobs } from "../models/backfill.server";

export const meta: MetaFunction = () => [{ title: "Home" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const now = new Date();
  const [home, jobs] = await Promise.all([loadHome(db, shop, new URL(request.url), now), listBackfillJobs(db, shop.id)]);
  // The import shows on Home until a day after it finished.
  const importing = jobs.some((j) => !j.finishedAt || now.getTime() - j.finishedAt.getTime() < 86_400_000);
  return {
    ...home,
    backfill: importing ? jobs.map(({ kind, status, percent, label, failed }) => ({ kind, status, percent, label, failed })) : [],
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

/** A new shop, or one with every flow off: what to do first. */
function GetStarted() {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Switch on your first flow
        </Text>
        <Text as="p">
          No flow is on yet, so no emails go out and there is no revenue to show. The preset flows (welcome series,
          abandoned checkout, post-purchase and more) are ready: switch one on under Flows and its emails start with the
          next customer who qualifies. Revenue from orders placed after a customer clicks or opens one of them shows here.
        </Text>
        <InlineStack>
          <Button variant="primary" url="/app/flows">
            Go to Flows
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

function Attention({ items }: { items: HomeData["attention"] }) {
  return (
    <BlockStack gap="200">
      {items.map((item) => (
        <Banner
          key={`${item.kind}/${item.flowId}`}
          title={item.title}
          tone={item.kind === "participant_spike" ? "warning" : "critical"}
          action={{ content: "Open the flow", url: `/app/flows/${item.flowId}` }}
        >
          <p>{item.detail}</p>
        </Banner>
      ))}
    </BlockStack>
  );
}

function TableCard({ title, empty, children }: { title: string; empty: string | null; children: React.ReactNode }) {
  return (
    <Card padding="0">
      <Box padding="400">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
      </Box>
      {empty ? (
        <Box padding="400" paddingBlockStart="0">
          <Text as="p" tone="subdued">
            {empty}
          </Text>
        </Box>
      ) : (
        children
      )}
    </Card>
  );
}

function TopFlows({ rows }: { rows: HomeData["topFlows"] }) {
  return (
    <TableCard title="Top flows" empty={rows.length === 0 ? "No flow sent an email in this period." : null}>
      <DataTable
        columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
        headings={["Flow", "Revenue", "Orders", "Sent", "Open rate", "Click rate"]}
        rows={rows.map((r) => [
          <RemixLink key={r.id} to={`/app/flows/${r.id}`}>
            {r.name}
          </RemixLink>,
          r.revenue,
          r.orders,
          r.sent,
          r.openRate,
          r.clickRate,
        ])}
      />
    </TableCard>
  );
}

function TopMessages({ rows }: { rows: HomeData["topMessages"] }) {
  return (
    <TableCard title="Top emails" empty={rows.length === 0 ? "No email earned revenue in this period yet." : null}>
      <DataTable
        columnContentTypes={["text", "text", "numeric", "numeric", "numeric", "numeric"]}
        headings={["Email", "Flow", "Revenue", "Orders", "Sent", "Click rate"]}
        rows={rows.map((r) => [
          r.editUrl ? (
            <RemixLink key={r.key} to={r.editUrl}>
              {r.name}
            </RemixLink>
          ) : (
            r.name
          ),
          r.flowName,
          r.revenue,
          r.orders,
          r.sent,
          r.clickRate,
        ])}
      />
    </TableCard>
  );
}

export default function Home() {
  const d = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  // A new range is loading: the numbers on screen are the old range's until it arrives.
  const loading = navigation.state === "loading" && navigation.location.pathname === "/app";
  const noChart = d.chart.length === 0;
  return (
    <Page title="Home" subtitle={`${d.shopName} · ${d.range.from} to ${d.range.to}`} primaryAction={<DateRangePicker key={`${d.range.from}/${d.range.to}`} range={d.range} today={d.today} label={d.range.label} loading={loading} />}>
      <Layout>
        {d.notice ? (
          <Layout.Section>
            <Banner tone="warning" title="That date range could not be used">
              <p>{d.notice}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        {d.backfill.length > 0 ? (
          <Layout.Section>
            <BackfillProgress jobs={d.backfill} />
          </Layout.Section>
        ) : null}
        {d.liveFlows === 0 ? (
          <Layout.Section>
            <GetStarted />
          </Layout.Section>
        ) : null}
        {d.attention.length > 0 ? (
          <Layout.Section>
            <Attention items={d.attention} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <div aria-busy={loading} style={{ opacity: loading ? 0.6 : 1, transition: "opacity 150ms" }}>
            <BlockStack gap="400">
              <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
                <Metric label="Attributed revenue" value={d.attributedRevenue} help={`${d.attributedShare} of store revenue · ${d.attributedOrders} orders`} />
                <Metric label="Store revenue" value={d.storeRevenue} help={`${d.storeOrders} orders`} />
                <Metric label="Emails sent" value={d.emailsSent} help={`Open rate ${d.openRate} · Click rate ${d.clickRate}`} />
                <Metric label="Subscribers" value={d.subscribers} help={`of ${d.profiles} customer profiles`} />
              </InlineGrid>
              <Card>
                <BlockStack gap="200">
                  <InlineStack align="space-between" blockAlign="center">
                    <Text as="h2" variant="headingMd">
                      Attributed revenue by flow
                    </Text>
                    <Text as="span" tone="subdued">
                      {d.range.label}
                    </Text>
                  </InlineStack>
                  {noChart ? (
                    <Text as="p" tone="subdued">
                      No attributed revenue in this period yet. It counts orders placed within the attribution window
                      after a customer clicked or opened one of your emails; see <Link url="/app/settings">Settings</Link> for the windows.
                    </Text>
                  ) : (
                    <RevenueChart series={d.chart} currency={d.currency} />
                  )}
                </BlockStack>
              </Card>
              <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
                <TopFlows rows={d.topFlows} />
                <TopMessages rows={d.topMessages} />
              </InlineGrid>
            </BlockStack>
          </div>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/**
 * Shopify's responses (a re-authentication, a bounce out of the iframe) go through the template's boundary so their
 * headers and scripts reach the admin; anything else is Home failing, said plainly with a way to try again.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) return boundary.error(error);
  return (
    <Page title="Home">
      <Banner tone="critical" title="Home could not load its numbers">
        <p>Nothing was lost: your flows keep running and counting. Reload the page to try again; if it keeps failing, the app's log says why.</p>
      </Banner>
    </Page>
  );
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
