import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, IndexTable, InlineStack, Layout, Link, Page, Text, TextField } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { requireShop } from "../admin.server";
import { SegmentGroup } from "../components/SegmentBuilder";
import db from "../db.server";
import { currencyFractionDigits, formatMoney } from "../domain/money";
import { LIMITS, parseSegmentTree, type SegmentCondition } from "../domain/segments/tree";
import { readBodyWithin } from "../http/body.server";
import { countSegment } from "../models/segment-query.server";
import { deleteSegment, findSegment, saveSegment, segmentMembersPage, shopClock } from "../models/segments.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.segment ? `Segment: ${data.segment.name}` : "New segment" }];

/** The body of a count or save: the tree's JSON plus a name, so a little over the tree's own limit. */
const MAX_BODY = LIMITS.jsonChars * 3 + 4096;
const idParam = z.string().min(1).max(64);
const NEW = "new";

const STARTER: SegmentCondition = { kind: "all", of: [{ kind: "profile", field: "emailConsent", op: "eq", value: "subscribed" }] };

/** The segment of this shop named by the URL, "new" for none yet; anything else is not found. */
async function segmentFromParams(shopId: string, params: LoaderFunctionArgs["params"]) {
  if (params.segmentId === NEW) return null;
  const id = idParam.safeParse(params.segmentId);
  const segment = id.success ? await findSegment(db, shopId, id.data) : null;
  if (!segment) throw new Response("Not found", { status: 404 });
  return segment;
}

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const segment = await segmentFromParams(shop.id, params);
  const tree = segment ? segment.tree : STARTER;
  const after = new URL(request.url).searchParams.get("after");
  const page = segment?.tree ? await segmentMembersPage(db, shop, segment.tree, new Date(), after && after.length <= 64 ? after : undefined) : null;
  return {
    segment: segment ? { id: segment.id, name: segment.name, valid: segment.tree !== null } : null,
    tree: tree ?? STARTER,
    revenueScale: 10 ** currencyFractionDigits(shop.currency),
    members: (page?.profiles ?? []).map((p) => ({
      id: p.id,
      name: [p.firstName, p.lastName].filter(Boolean).join(" ") || "—",
      email: p.email ?? "—",
      orders: p.ordersCount,
      revenue: formatMoney(p.revenueMinor, p.currency ?? shop.currency),
    })),
    next: page?.next ?? null,
  };
};

const form = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("count"), conditions: z.string() }),
  z.object({ intent: z.literal("save"), name: z.string().max(1000), conditions: z.string() }),
  z.object({ intent: z.literal("delete") }),
]);

export type SegmentActionReply = { count?: number; error?: string };

/** count: the live count of a draft tree; save: create or update; delete. All for the current shop's segment only. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const segment = await segmentFromParams(shop.id, params);
  const body = await readBodyWithin(request, MAX_BODY);
  if (body === null) return Response.json({ error: "The conditions are too large" } satisfies SegmentActionReply, { status: 413 });
  const parsed = form.safeParse(Object.fromEntries(new URLSearchParams(body)));
  if (!parsed.success) return Response.json({ error: "Unknown request" } satisfies SegmentActionReply, { status: 400 });
  const input = parsed.data;
  if (input.intent === "count") {
    const tree = parseSegmentTree(input.conditions);
    if (!tree.ok) return Response.json({ error: tree.error } satisfies SegmentActionReply, { status: 400 });
    return Response.json({ count: await countSegment(db, shop.id, tree.value, shopClock(shop, new Date())) } satisfies SegmentActionReply);
  }
  if (input.intent === "delete") {
    if (!segment) return Response.json({ error: "Nothing to delete" } satisfies SegmentActionReply, { status: 400 });
    await deleteSegment(db, shop.id, segment.id);
    return redirect("/app/segments");
  }
  const saved = await saveSegment(db, shop.id, segment?.id ?? null, { name: input.name, conditions: input.conditions });
  if (!saved.ok) return Response.json({ error: saved.error } satisfies SegmentActionReply, { status: saved.status });
  return redirect(`/app/segments/${saved.id}`);
};

/** Posts the draft to the count action a moment after the last edit. */
function useLiveCount(tree: SegmentCondition) {
  const fetcher = useFetcher<SegmentActionReply>({ key: "segment-count" });
  const json = JSON.stringify(tree);
  const first = useRef(true);
  useEffect(() => {
    const timer = setTimeout(() => fetcher.submit({ intent: "count", conditions: json }, { method: "post" }), first.current ? 0 : 400);
    first.current = false;
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the tree's text decides
  }, [json]);
  return { busy: fetcher.state !== "idle", reply: fetcher.data };
}

export default function SegmentPage() {
  const data = useLoaderData<typeof loader>();
  // Another segment's page is a fresh editor: Remix keeps this component mounted when only the id changes.
  return <SegmentEditor key={data.segment?.id ?? NEW} data={data} />;
}

function SegmentEditor({ data }: { data: ReturnType<typeof useLoaderData<typeof loader>> }) {
  const [tree, setTree] = useState<SegmentCondition>(data.tree as SegmentCondition);
  const [name, setName] = useState(data.segment?.name ?? "");
  const live = useLiveCount(tree);
  const save = useFetcher<SegmentActionReply>({ key: "segment-save" });
  const navigation = useNavigation();
  const id = data.segment?.id;
  return (
    <Page
      title={data.segment?.name ?? "New segment"}
      backAction={{ content: "Segments", url: "/app/segments" }}
      secondaryActions={id ? [{ content: "Export CSV", url: `/app/segments/${id}/export`, external: true }] : []}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {data.segment && !data.segment.valid ? <Banner tone="warning">This segment's saved conditions no longer apply; build them again and save.</Banner> : null}
            {save.data?.error ? <Banner tone="critical">{save.data.error}</Banner> : null}
            <Card>
              <InlineStack gap="300" blockAlign="end">
                <div style={{ flex: 1 }}>
                  <TextField label="Segment name" autoComplete="off" value={name} onChange={setName} maxLength={120} />
                </div>
                <Button variant="primary" loading={save.state !== "idle"} onClick={() => save.submit({ intent: "save", name, conditions: JSON.stringify(tree) }, { method: "post" })}>
                  Save segment
                </Button>
              </InlineStack>
            </Card>
            <SegmentGroup node={tree} revenueScale={data.revenueScale} onChange={setTree} />
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">Profiles in this segment now</Text>
              <div aria-live="polite" aria-label="Live count">
                {live.reply?.error ? (
                  <Text as="p" tone="critical">{live.reply.error}</Text>
                ) : (
                  <Text as="p" variant="heading2xl">{live.reply?.count ?? "…"}</Text>
                )}
              </div>
              <Text as="p" tone="subdued">{live.busy ? "Counting…" : "Counted as you edit, from the shop's current data."}</Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        {id ? (
          <Layout.Section>
            <Card padding="0">
              <IndexTable resourceName={{ singular: "member", plural: "members" }} itemCount={data.members.length} selectable={false} headings={[{ title: "Name" }, { title: "Email" }, { title: "Orders" }, { title: "Revenue" }]}>
                {data.members.map((m, i) => (
                  <IndexTable.Row id={m.id} key={m.id} position={i}>
                    <IndexTable.Cell><Link url={`/app/customers/${m.id}`} removeUnderline>{m.name}</Link></IndexTable.Cell>
                    <IndexTable.Cell>{m.email}</IndexTable.Cell>
                    <IndexTable.Cell>{m.orders}</IndexTable.Cell>
                    <IndexTable.Cell>{m.revenue}</IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
              {data.next ? <div style={{ padding: "var(--p-space-300)" }}><Link url={`/app/segments/${id}?after=${encodeURIComponent(data.next)}`}>Next page</Link></div> : null}
            </Card>
            <div style={{ marginTop: "var(--p-space-400)" }}>
              <Form method="post">
                <input type="hidden" name="intent" value="delete" />
                <Button submit tone="critical" loading={navigation.state !== "idle"}>Delete segment</Button>
              </Form>
            </div>
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}
