import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, InlineStack, Layout, Link, List, Page, Text } from "@shopify/polaris";
import { z } from "zod";
import { requireShop } from "../admin.server";
import { formatMoney } from "../domain/money";
import { flowHoldoutResult } from "../models/holdout.server";
import { FLOW_STATUS_BADGE } from "../components/flowStatus";
import db from "../db.server";
import { describeCondition, describeReentry, describeTrigger, flowOutline, type OutlineLink } from "../domain/flows/describe";
import { dayInTimezone } from "../domain/time";
import { chooseDateRange, describeRange } from "../domain/dashboard/date-range";
import { DateRangePicker } from "../components/dashboard/DateRangePicker";
import { readBodyWithin } from "../http/body.server";
import { getFlowForShop } from "../models/flow-editing.server";
import { compareVariants, type AbComparison } from "../domain/attribution/ab-test";
import { sumFlowNumbers, type MessageNumbers } from "../models/flow-rollups.server";
import { setFlowLive } from "../models/flows.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Flow: ${data.flow.name}` : "Flow" }];

const flowIdParam = z.string().min(1).max(64);

const SKIP_LABELS: Record<string, string> = {
  holdout: "in the holdout group",
  no_email: "no email address",
  no_consent: "no email consent",
  suppressed: "address suppressed",
  flow_filters: "no longer matched the flow's filters",
  action_failed: "failed",
};

/** One flow of the current shop: its steps in words with their numbers for the chosen days (?from=&to=, else the last 30), and its versions. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const flowId = flowIdParam.safeParse(params.flowId);
  const found = flowId.success ? await getFlowForShop(db, shop.id, flowId.data) : null;
  if (!found) throw new Response("Not found", { status: 404 });
  const today = dayInTimezone(new Date(), shop.timezone);
  const url = new URL(request.url);
  const { range, notice } = chooseDateRange({ from: url.searchParams.get("from"), to: url.searchParams.get("to") }, today);
  const { from, to } = range;
  const [{ steps: stepNumbers, versions: versionNumbers, variants: variantNumbers }, holdout] = await Promise.all([
    sumFlowNumbers(db, shop.id, found.flow.id, from, to),
    flowHoldoutResult(db, shop.id, found.flow.id, range),
  ]);
  const money = (minor: bigint) => formatMoney(minor, shop.currency);
  const definition = found.definition;
  const steps = definition
    ? flowOutline(definition).map((item) => {
        const step = definition.steps.find((s) => s.id === item.id);
        const numbers = stepNumbers.get(item.id);
        return {
          ...item,
          edited: step?.kind === "send_email" && step.content !== undefined,
          discount: step?.kind === "send_email" && step.discount ? step.discount : null,
          sent: item.kind === "send_email" ? (numbers?.sent ?? 0n).toString() : null,
          message: item.kind === "send_email" ? messageSummary(numbers, money) : null,
          skipped: (numbers?.skipped ?? []).map((s) => ({
            reason: SKIP_LABELS[s.reason] ?? s.reason.replace(/_/g, " "),
            count: s.count.toString(),
          })),
        };
      })
    : [];
  const entered = [...versionNumbers.values()].reduce((sum, v) => sum + (v.entered ?? 0n), 0n);
  const funnel = steps
    .filter((step) => step.kind === "send_email")
    .map((step) => {
      const n = stepNumbers.get(step.id);
      const skipped = (n?.skipped ?? []).reduce((sum, s) => sum + s.count, 0n);
      return {
        id: step.id,
        label: `${step.number}. ${step.title}`,
        reached: ((n?.sent ?? 0n) + skipped).toString(),
        sent: (n?.sent ?? 0n).toString(),
        opened: (n?.opened ?? 0n).toString(),
        clicked: (n?.clicked ?? 0n).toString(),
        orders: (n?.orders ?? 0n).toString(),
        revenue: money(n?.revenue ?? 0n),
      };
    });
  const abTests = definition
    ? definition.steps.flatMap((step) =>
        step.kind === "ab_split"
          ? [describeAbTest(step.name ?? "A/B test", step.variants.map((v) => ({ id: v.id, numbers: variantNumbers.get(v.id) })), money)]
          : [],
      )
    : [];
  return {
    flow: found.flow,
    preset: found.preset,
    period: { ...range, label: describeRange(range), notice },
    today,
    trigger: definition ? describeTrigger(definition.trigger) : null,
    reentry: definition ? describeReentry(definition.reentry) : null,
    filters: definition ? definition.filters.map(describeCondition) : [],
    exits: definition ? definition.exits.map((e) => ({ reason: e.reason.replace(/_/g, " "), when: describeCondition(e.when) })) : [],
    steps,
    entered: entered.toString(),
    funnel,
    abTests,
    holdout: describeHoldout(holdout, shop.currency),
    versions: found.versions.map((v) => {
      const numbers = versionNumbers.get(v.id);
      return {
        id: v.id,
        version: v.version,
        createdAt: v.createdAt.toISOString().slice(0, 16).replace("T", " "),
        current: v.current,
        entered: (numbers?.entered ?? 0n).toString(),
        sent: (numbers?.sent ?? 0n).toString(),
        orders: (numbers?.orders ?? 0n).toString(),
        revenue: money(numbers?.revenue ?? 0n),
      };
    }),
  };
};

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const rateOf = (part: bigint, whole: bigint) => (whole === 0n ? "–" : percent(Number(part) / Number(whole)));

/** One email's numbers as the step row shows them. */
function messageSummary(n: MessageNumbers | undefined, money: (minor: bigint) => string) {
  const sent = n?.sent ?? 0n;
  return {
    openRate: rateOf(n?.opened ?? 0n, sent),
    clickRate: rateOf(n?.clicked ?? 0n, sent),
    unsubscribeRate: rateOf(n?.unsubscribed ?? 0n, sent),
    bounced: (n?.bounced ?? 0n).toString(),
    orders: (n?.orders ?? 0n).toString(),
    revenue: money(n?.revenue ?? 0n),
  };
}

/** What an A/B split's variants did and who is ahead, on clicks and on orders per email. */
function describeAbTest(name: string, variants: Array<{ id: string; numbers: MessageNumbers | undefined }>, money: (minor: bigint) => string) {
  const counts = (metric: "clicked" | "orders") => variants.map((v) => ({ id: v.id, sent: Number(v.numbers?.sent ?? 0n), successes: Number(v.numbers?.[metric] ?? 0n) }));
  const verdict = (result: AbComparison, what: string) => {
    if (result.status === "not_enough_data") return `${what}: not enough data yet (each variant needs ${result.needSent} emails and ${result.needSuccesses} ${what.toLowerCase()}).`;
    const lead = `${result.leader} leads ${result.runnerUp} by ${points(result.difference.estimate)} points (95 % interval ${points(result.difference.low)} to ${points(result.difference.high)}, p = ${result.pValue < 0.001 ? "< 0.001" : result.pValue.toFixed(3)})`;
    return result.significant ? `${what}: ${result.leader} wins. ${lead}.` : `${what}: no winner yet. ${lead}.`;
  };
  const clicks = compareVariants(counts("clicked"));
  const orders = compareVariants(counts("orders"));
  return {
    name,
    winner: clicks.status === "measured" && clicks.significant ? clicks.leader : orders.status === "measured" && orders.significant ? orders.leader : null,
    variants: variants.map((v) => {
      const sent = v.numbers?.sent ?? 0n;
      return {
        id: v.id,
        sent: sent.toString(),
        clickRate: rateOf(v.numbers?.clicked ?? 0n, sent),
        orderRate: rateOf(v.numbers?.orders ?? 0n, sent),
        revenuePerEmail: sent === 0n ? "–" : money((v.numbers?.revenue ?? 0n) / sent),
      };
    }),
    verdicts: [verdict(clicks, "Clicks"), verdict(orders, "Orders")],
  };
}
const points = (rate: number) => `${rate >= 0 ? "+" : ""}${(rate * 100).toFixed(1)}`;

/** The holdout result as the merchant reads it: a headline and the lines behind it. */
function describeHoldout(result: Awaited<ReturnType<typeof flowHoldoutResult>>, currency: string): { headline: string; lines: string[] } {
  const money = (minor: number) => formatMoney(BigInt(Math.round(minor)), currency);
  const window = `ordered within ${result.windowDays} days of entering`;
  if (result.status === "no_holdout") {
    return { headline: "No holdout group", lines: ["Set a holdout share in Settings to measure what this flow's emails add: held-out people run the flow without emails."] };
  }
  const groups = (r: { sent: { people: number; converted: number }; holdout: { people: number; converted: number } }) =>
    `Sent: ${r.sent.converted} of ${r.sent.people} ${window}; holdout: ${r.holdout.converted} of ${r.holdout.people}.`;
  if (result.status === "not_enough_data") {
    return {
      headline: "Not enough data yet",
      lines: [groups(result), `Each group needs at least ${result.needPeople} people, ${result.needConversions} of whom ordered and ${result.needConversions} who did not.`],
    };
  }
  const c = result.conversion;
  const r = result.revenuePerPerson;
  return {
    headline: result.significant
      ? `The emails ${c.difference.estimate > 0 ? "add" : "cost"} ${points(c.difference.estimate)} points of conversion`
      : "No clear difference yet",
    lines: [
      groups(result),
      `Conversion: ${percent(c.sent)} sent vs ${percent(c.holdout)} held out: ${points(c.difference.estimate)} points (95 % interval ${points(c.difference.low)} to ${points(c.difference.high)}).`,
      `Revenue per person: ${money(r.sent)} vs ${money(r.holdout)}: ${money(r.difference.estimate)} (95 % interval ${money(r.difference.low)} to ${money(r.difference.high)}).`,
    ],
  };
}

const switchForm = z.object({ intent: z.enum(["on", "off"]) });

/** Switches this flow on or off, as the flows list does; only the current shop's flow. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const body = await readBodyWithin(request, 4096);
  if (body === null) return Response.json({ error: "Request too large" }, { status: 413 });
  const flowId = flowIdParam.safeParse(params.flowId);
  const parsed = switchForm.safeParse(Object.fromEntries(new URLSearchParams(body)));
  if (!parsed.success) return Response.json({ error: "Choose whether to turn the flow on or off" }, { status: 400 });
  const flow = flowId.success ? await setFlowLive(db, shop.id, flowId.data, parsed.data.intent === "on") : null;
  if (!flow) return Response.json({ error: "No such flow" }, { status: 404 });
  return Response.json({ flowId: flow.id, status: flow.status });
};

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

function Links({ links }: { links: OutlineLink[] }) {
  if (links.length === 0) return null;
  return (
    <InlineStack gap="300">
      {links.map((link) => (
        <Text as="span" variant="bodySm" tone="subdued" key={link.label}>
          {link.label}: {link.to ? `go to ${link.to.number}` : "the flow ends"}
        </Text>
      ))}
    </InlineStack>
  );
}

function StepRow({ step, flowId }: { step: LoaderData["steps"][number]; flowId: string }) {
  return (
    <Box paddingBlock="300" paddingInline="400" borderBlockEndWidth="025" borderColor="border">
      <InlineStack align="space-between" blockAlign="start" wrap={false} gap="400">
        <InlineStack gap="300" blockAlign="start" wrap={false}>
          <Box minWidth="28px">
            <Text as="span" variant="headingSm" tone="subdued">
              {step.number}
            </Text>
          </Box>
          <BlockStack gap="100">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h3" variant="headingSm">
                {step.title}
              </Text>
              {step.kind === "send_email" && step.edited ? <Badge tone="info">Edited</Badge> : null}
              {step.discount ? (
                <Badge>{step.discount.kind === "percentage" ? `${step.discount.value}% discount` : "Discount"}</Badge>
              ) : null}
            </InlineStack>
            {step.detail ? (
              <Text as="p" tone={step.kind === "send_email" ? undefined : "subdued"}>
                {step.kind === "send_email" ? `Subject: ${step.detail}` : step.detail}
              </Text>
            ) : null}
            <Links links={step.links} />
            {step.skipped.length > 0 ? (
              <Text as="p" variant="bodySm" tone="subdued">
                Skipped: {step.skipped.map((s) => `${s.count} ${s.reason}`).join(", ")}
              </Text>
            ) : null}
          </BlockStack>
        </InlineStack>
        {step.kind === "send_email" ? (
          <BlockStack gap="100" inlineAlign="end">
            <Text as="span" numeric>
              {step.sent} sent
            </Text>
            {step.message ? (
              <Text as="span" variant="bodySm" tone="subdued" numeric>
                {`${step.message.openRate} opened · ${step.message.clickRate} clicked · ${step.message.orders} orders · ${step.message.revenue}`}
              </Text>
            ) : null}
            {step.message && step.message.unsubscribeRate !== "–" ? (
              <Text as="span" variant="bodySm" tone="subdued" numeric>
                {`${step.message.unsubscribeRate} unsubscribed · ${step.message.bounced} bounced`}
              </Text>
            ) : null}
            <Link url={`/app/flows/${flowId}/emails/${step.id}`}>Edit email</Link>
          </BlockStack>
        ) : null}
      </InlineStack>
    </Box>
  );
}

export default function FlowPage() {
  const d = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const badge = FLOW_STATUS_BADGE[d.flow.status] ?? { label: d.flow.status };
  const live = d.flow.status === "live";
  // Another range of the same flow is loading: the numbers on screen are still the old range's.
  const rangeLoading = navigation.state === "loading" && navigation.location.pathname === `/app/flows/${d.flow.id}`;
  return (
    <Page
      title={d.flow.name}
      titleMetadata={<Badge tone={badge.tone}>{badge.label}</Badge>}
      subtitle={d.preset?.description}
      backAction={{ content: "Flows", url: "/app/flows" }}
      primaryAction={
        <Form method="post">
          <input type="hidden" name="intent" value={live ? "off" : "on"} />
          <Button submit variant={live ? "secondary" : "primary"} loading={navigation.state === "submitting"}>
            {live ? `Turn off ${d.flow.name}` : `Turn on ${d.flow.name}`}
          </Button>
        </Form>
      }
    >
      <Layout>
        <Layout.Section>
          <InlineStack align="end">
            <DateRangePicker key={`${d.period.from}/${d.period.to}`} range={d.period} today={d.today} label={d.period.label} loading={rangeLoading} />
          </InlineStack>
        </Layout.Section>
        {d.period.notice ? (
          <Layout.Section>
            <Banner tone="warning" title="That date range could not be used">
              <p>{d.period.notice}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Trigger
                </Text>
                <Text as="p">{d.trigger ?? d.preset?.trigger ?? "Not defined"}</Text>
                {d.reentry ? (
                  <Text as="p" tone="subdued">
                    Re-entry: {d.reentry}
                  </Text>
                ) : null}
                {d.filters.length > 0 ? (
                  <BlockStack gap="100">
                    <Text as="p" fontWeight="semibold">
                      Only while
                    </Text>
                    <List>
                      {d.filters.map((f) => (
                        <List.Item key={f}>{f}</List.Item>
                      ))}
                    </List>
                  </BlockStack>
                ) : null}
                {d.preset?.rationale ? <Text as="p">{d.preset.rationale}</Text> : null}
              </BlockStack>
            </Card>
            <Card padding="0">
              <Box padding="400" borderBlockEndWidth="025" borderColor="border">
                <InlineStack align="space-between">
                  <Text as="h2" variant="headingMd">
                    Steps
                  </Text>
                  <Text as="span" tone="subdued">
                    Numbers for {d.period.from} to {d.period.to}
                  </Text>
                </InlineStack>
              </Box>
              {d.steps.length === 0 ? (
                <Box padding="400">
                  <Text as="p">This flow has no steps yet.</Text>
                </Box>
              ) : (
                d.steps.map((step) => <StepRow key={step.id} step={step} flowId={d.flow.id} />)
              )}
            </Card>
            {d.funnel.length > 0 ? (
              <Card padding="0">
                <Box padding="400">
                  <BlockStack gap="100">
                    <Text as="h2" variant="headingMd">
                      Funnel
                    </Text>
                    <Text as="p" tone="subdued">
                      {d.entered} people entered. Reached counts everyone who got to the email, sent or skipped.
                    </Text>
                  </BlockStack>
                </Box>
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
                  headings={["Email", "Reached", "Sent", "Opened", "Clicked", "Orders", "Revenue"]}
                  rows={d.funnel.map((f) => [f.label, f.reached, f.sent, f.opened, f.clicked, f.orders, f.revenue])}
                />
              </Card>
            ) : null}
            {d.abTests.map((test) => (
              <Card padding="0" key={test.name}>
                <Box padding="400">
                  <BlockStack gap="100">
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="h2" variant="headingMd">
                        {test.name}
                      </Text>
                      {test.winner ? <Badge tone="success">{`Winner: ${test.winner}`}</Badge> : <Badge>Running</Badge>}
                    </InlineStack>
                    {test.verdicts.map((line) => (
                      <Text as="p" tone="subdued" key={line}>
                        {line}
                      </Text>
                    ))}
                  </BlockStack>
                </Box>
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric"]}
                  headings={["Variant", "Emails", "Click rate", "Order rate", "Revenue per email"]}
                  rows={test.variants.map((v) => [v.id, v.sent, v.clickRate, v.orderRate, v.revenuePerEmail])}
                />
              </Card>
            ))}
            {d.exits.length > 0 ? (
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    Exits
                  </Text>
                  <Text as="p" tone="subdued">
                    Checked before every step: a run ends the moment one of these holds.
                  </Text>
                  <List>
                    {d.exits.map((e) => (
                      <List.Item key={e.reason}>
                        {e.when} ({e.reason})
                      </List.Item>
                    ))}
                  </List>
                </BlockStack>
              </Card>
            ) : null}
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Holdout result
                </Text>
                <Text as="p" fontWeight="semibold">
                  {d.holdout.headline}
                </Text>
                {d.holdout.lines.map((line) => (
                  <Text as="p" tone="subdued" key={line}>
                    {line}
                  </Text>
                ))}
              </BlockStack>
            </Card>
            <Card padding="0">
              <Box padding="400">
                <Text as="h2" variant="headingMd">
                  Versions
                </Text>
              </Box>
              {d.versions.length === 0 ? (
                <Box padding="400" paddingBlockStart="0">
                  <Text as="p" tone="subdued">
                    No version yet: turning the flow on or editing an email creates version 1.
                  </Text>
                </Box>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "numeric", "numeric", "numeric", "numeric"]}
                  headings={["Version", "Created (UTC)", "Entered", "Sent", "Orders", "Revenue"]}
                  rows={d.versions.map((v) => [
                    <InlineStack gap="100" key={v.id} wrap={false}>
                      <Text as="span">v{v.version}</Text>
                      {v.current ? <Badge tone="success">Current</Badge> : null}
                    </InlineStack>,
                    v.createdAt,
                    v.entered,
                    v.sent,
                    v.orders,
                    v.revenue,
                  ])}
                  footerContent={`${d.period.from} to ${d.period.to}`}
                />
              )}
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
