import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, DescriptionList, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { z } from "zod";
import { requireShop } from "../admin.server";
import { CONSENT_BADGE } from "../components/consentBadge";
import db from "../db.server";
import { formatMoney } from "../domain/money";
import { leadScoreSummary } from "../models/lead-score.server";
import { loadProfilePage } from "../models/profiles.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Customer: ${data.title}` : "Customer" }];

const profileIdParam = z.string().min(1).max(64);

const day = (at: Date | null) => (at ? at.toISOString().slice(0, 10) : "—");
const when = (at: Date) => at.toISOString().slice(0, 16).replace("T", " ");

/** One customer of the current shop: computed properties, consent, and the timeline of events and emails. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const id = profileIdParam.safeParse(params.profileId);
  const page = id.success ? await loadProfilePage(db, shop.id, id.data) : { found: false as const };
  // A merged profile lives on in the one it was merged into.
  if (!page.found && "mergedInto" in page && page.mergedInto) throw redirect(`/app/customers/${page.mergedInto}`);
  if (!page.found) throw new Response("Not found", { status: 404 });
  const p = page.profile;
  const currency = p.currency ?? shop.currency;
  const money = (minor: bigint) => formatMoney(minor, currency);
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ");
  const score = await leadScoreSummary(db, shop.id, p.id, new Date());
  return {
    title: name || p.email || "Anonymous visitor",
    email: p.email,
    consent: p.emailConsent,
    consentDetail: p.emailConsentAt ? `since ${day(p.emailConsentAt)}${p.emailConsentSource ? ` (${p.emailConsentSource.replace(/_/g, " ")})` : ""}` : null,
    properties: [
      { term: "Orders", description: String(p.ordersCount) },
      { term: "Revenue (net of refunds)", description: money(p.revenueMinor) },
      { term: "Refunded", description: money(p.refundedMinor) },
      { term: "Average order value", description: p.ordersCount > 0 ? money(p.revenueMinor / BigInt(p.ordersCount)) : "—" },
      { term: "First order", description: day(p.firstOrderAt) },
      { term: "Last order", description: day(p.lastOrderAt) },
      { term: "Average days between orders", description: p.averageDaysBetweenOrders === null ? "—" : p.averageDaysBetweenOrders.toFixed(1) },
      { term: "Expected next order", description: day(p.expectedNextOrderAt) },
      {
        term: "RFM group",
        description: p.rfmGroup ? `${p.rfmGroup.replace(/_/g, " ")} (R${p.rfmRecency} F${p.rfmFrequency} M${p.rfmMonetary})` : "—",
      },
      { term: "Last active", description: p.lastActiveAt ? when(p.lastActiveAt) : "—" },
    ],
    // Shown once the customer has a score (some rule matched); it decays, so it is computed as of now.
    leadScore:
      score && score.scored
        ? {
            score: score.score,
            threshold: score.threshold,
            salesReady: score.score >= score.threshold,
            paused: !score.enabled,
            history: score.history.map((h) => ({
              at: when(h.at),
              reason: h.reason,
              points: `${h.points >= 0 ? "+" : "−"}${Math.abs(Math.round(h.points * 10) / 10)}`,
              score: String(Math.round(h.score * 10) / 10),
              crossed: h.crossed,
            })),
          }
        : null,
    timeline: page.timeline.map((t) => {
      if (t.kind === "message") {
        const engaged = [t.opened ? "opened" : null, t.clicked ? "clicked" : null].filter(Boolean).join(", ");
        return {
          id: t.id,
          at: when(t.at),
          title: `Email: ${t.subject}`,
          detail: [t.flowName, t.status, engaged].filter(Boolean).join(" · "),
          credit: null,
        };
      }
      const attribution = t.orderId ? page.attributions.get(t.orderId) : undefined;
      return {
        id: t.id,
        at: when(t.at),
        title: t.name,
        detail: [t.orderId ? `order ${t.orderId}` : null, t.valueMinor !== null && t.currency ? formatMoney(t.valueMinor, t.currency) : null]
          .filter(Boolean)
          .join(" · "),
        credit:
          attribution && t.name === "Placed Order"
            ? { explanation: attribution.explanation, credited: formatMoney(attribution.revenueMinor - attribution.refundedMinor, attribution.currency) }
            : null,
      };
    }),
  };
};

type LeadScoreView = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["leadScore"]>;

function LeadScoreCard({ lead }: { lead: LeadScoreView }) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Lead score
          </Text>
          <Text as="span" variant="headingLg">
            {String(lead.score)}
          </Text>
          <Text as="span" tone="subdued">
            {`of ${lead.threshold} to be sales-ready`}
          </Text>
          {lead.salesReady ? <Badge tone="success">Sales-ready</Badge> : null}
          {lead.paused ? <Badge>Scoring is off</Badge> : null}
        </InlineStack>
        <Text as="p" variant="bodySm" tone="subdued">
          Recent changes (points fade over time, so the score now can be lower than after the last change):
        </Text>
        {lead.history.map((h, i) => (
          <InlineStack gap="200" blockAlign="center" key={`${h.at}-${i}`}>
            <Text as="span" tone="subdued" variant="bodySm">
              {h.at}
            </Text>
            <Text as="span" fontWeight="semibold">
              {h.points}
            </Text>
            <Text as="span">{h.reason}</Text>
            <Text as="span" tone="subdued" variant="bodySm">
              {`→ ${h.score}`}
            </Text>
            {h.crossed ? <Badge tone="success">Became sales-ready</Badge> : null}
          </InlineStack>
        ))}
      </BlockStack>
    </Card>
  );
}

export default function CustomerPage() {
  const d = useLoaderData<typeof loader>();
  const badge = CONSENT_BADGE[d.consent] ?? { label: d.consent };
  return (
    <Page title={d.title} subtitle={d.email ?? undefined} backAction={{ content: "Customers", url: "/app/customers" }}>
      <Layout>
        <Layout.Section variant="oneHalf">
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Email consent
                  </Text>
                  <Badge tone={badge.tone}>{badge.label}</Badge>
                </InlineStack>
                {d.consentDetail ? (
                  <Text as="p" tone="subdued">
                    {d.consentDetail}
                  </Text>
                ) : null}
                <DescriptionList items={d.properties} />
              </BlockStack>
            </Card>
            {d.leadScore ? <LeadScoreCard lead={d.leadScore} /> : null}
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneHalf">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Timeline
              </Text>
              {d.timeline.length === 0 ? <Text as="p">Nothing has happened for this customer yet.</Text> : null}
              {d.timeline.map((t) => (
                <BlockStack gap="050" key={t.id}>
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="span" tone="subdued" variant="bodySm">
                      {t.at}
                    </Text>
                    <Text as="span" fontWeight="semibold">
                      {t.title}
                    </Text>
                    {t.credit ? <Badge tone="success">{`Credited to email: ${t.credit.credited}`}</Badge> : null}
                  </InlineStack>
                  {t.detail ? (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {t.detail}
                    </Text>
                  ) : null}
                  {t.credit ? (
                    <Text as="p" variant="bodySm">
                      {t.credit.explanation}
                    </Text>
                  ) : null}
                </BlockStack>
              ))}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
