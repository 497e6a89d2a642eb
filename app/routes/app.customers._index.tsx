import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Card, IndexTable, Link, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { requireShop } from "../admin.server";
import { CONSENT_BADGE } from "../components/consentBadge";
import { NumericCell } from "../components/NumericCell";
import db from "../db.server";
import { formatMoney } from "../domain/money";
import { searchProfiles } from "../models/profiles.server";

export const meta: MetaFunction = () => [{ title: "Customers" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const url = new URL(request.url);
  const { profiles, total, query } = await searchProfiles(db, shop.id, url.searchParams.get("q") ?? "");
  return {
    query,
    total,
    profiles: profiles.map((p) => ({
      id: p.id,
      name: [p.firstName, p.lastName].filter(Boolean).join(" ") || "—",
      email: p.email ?? "—",
      consent: p.emailConsent,
      orders: p.ordersCount,
      revenue: formatMoney(p.revenueMinor, p.currency ?? shop.currency),
      lastOrderAt: p.lastOrderAt ? p.lastOrderAt.toISOString().slice(0, 10) : "—",
    })),
  };
};

export default function Customers() {
  const { profiles, total, query } = useLoaderData<typeof loader>();
  const [search, setSearch] = useState(query);
  const navigation = useNavigation();
  return (
    <Page title="Customers" subtitle={`${total} profiles`}>
      <Card padding="0">
        <div style={{ padding: "var(--p-space-300)" }}>
          <Form method="get" role="search">
            <TextField
              label="Search customers"
              labelHidden
              name="q"
              value={search}
              onChange={setSearch}
              placeholder="Search by email or name"
              autoComplete="off"
              maxLength={100}
              clearButton
              onClearButtonClick={() => setSearch("")}
            />
          </Form>
        </div>
        <IndexTable
          resourceName={{ singular: "customer", plural: "customers" }}
          itemCount={profiles.length}
          selectable={false}
          loading={navigation.state === "loading"}
          emptyState={
            <div style={{ padding: "var(--p-space-400)" }}>
              <Text as="p">{query ? `No customers match “${query}”.` : "No customers yet."}</Text>
            </div>
          }
          headings={[
            { title: "Name" },
            { title: "Email" },
            { title: "Email consent" },
            { title: "Orders", alignment: "end" },
            { title: "Revenue", alignment: "end" },
            { title: "Last order" },
          ]}
        >
          {profiles.map((p, index) => {
            const badge = CONSENT_BADGE[p.consent] ?? { label: p.consent };
            return (
              <IndexTable.Row id={p.id} key={p.id} position={index}>
                <IndexTable.Cell>
                  <Link url={`/app/customers/${p.id}`} monochrome removeUnderline>
                    <Text as="span" fontWeight="semibold">
                      {p.name}
                    </Text>
                  </Link>
                </IndexTable.Cell>
                <IndexTable.Cell>{p.email}</IndexTable.Cell>
                <IndexTable.Cell>
                  <Badge tone={badge.tone}>{badge.label}</Badge>
                </IndexTable.Cell>
                <NumericCell>{p.orders}</NumericCell>
                <NumericCell>{p.revenue}</NumericCell>
                <IndexTable.Cell>{p.lastOrderAt}</IndexTable.Cell>
              </IndexTable.Row>
            );
          })}
        </IndexTable>
      </Card>
    </Page>
  );
}
