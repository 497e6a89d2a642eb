// The email editor of one flow step. `$flowId_` keeps it out of the flow page's layout: same URL, its own page.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useMemo, useRef, useState } from "react";
import { z } from "zod";
import { requireShop } from "../admin.server";
import { BLOCK_LABELS, EmailBlockCard, newBlock } from "../components/EmailBlockFields";
import { EmailPreviewPanel } from "../components/EmailPreviewPanel";
import db from "../db.server";
import { BLOCK_TYPES, MAX_BLOCKS, type Block, type BlockType, type EmailContent } from "../domain/email/content";
import { emailContentOfStep } from "../domain/email/step-content";
import { env } from "../env.server";
import { readBodyWithin } from "../http/body.server";
import { previewEmail, sendTestEmail } from "../models/email-render.server";
import {
  checkEmailContent,
  emailStepIn,
  findPreviewProfile,
  getFlowForShop,
  listPreviewProfiles,
  resetEmailStep,
  saveEmailStep,
  type ContentProblem,
  type EditResult,
} from "../models/flow-editing.server";
import { getShopSettings } from "../models/shop.server";
import { mailerFromEnv } from "../services/mailer/resend.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Email: ${data.content.subject}` : "Email" }];

/** 50 blocks of 5,000 characters fit with room to spare; anything larger is not an editor's request. */
export const MAX_EDITOR_BODY = 512 * 1024;
const PREVIEW_DEBOUNCE_MS = 600;

const routeParams = z.object({ flowId: z.string().min(1).max(64), stepId: z.string().min(1).max(64) });

async function loadStep(shopId: string, params: unknown) {
  const ids = routeParams.safeParse(params);
  if (!ids.success) return null;
  const found = await getFlowForShop(db, shopId, ids.data.flowId);
  const step = found ? emailStepIn(found.definition, ids.data.stepId) : null;
  return found && step ? { found, step } : null;
}

/** The step's content (its own or the preset default), a first preview with sample data, and who to test with. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const loaded = await loadStep(shop.id, params);
  if (!loaded) throw new Response("Not found", { status: 404 });
  const { found, step } = loaded;
  const content = emailContentOfStep(step);
  const [settings, preview, profiles] = await Promise.all([
    getShopSettings(db, shop.id),
    previewEmail(db, { shopId: shop.id, content, profileId: null, now: new Date() }),
    listPreviewProfiles(db, shop.id, ""),
  ]);
  const current = found.versions.find((v) => v.current) ?? null;
  return {
    flow: { id: found.flow.id, name: found.flow.name, status: found.flow.status },
    step: { id: step.id, template: step.template, discount: step.discount ?? null, edited: step.content !== undefined },
    content,
    version: current?.version ?? null,
    versionKey: found.flow.currentVersionId ?? "preset",
    testTo: shop.email ?? settings.senderEmail ?? "",
    preview: preview.ok
      ? { ok: true as const, html: preview.email.html, subject: preview.email.subject, previewText: preview.email.previewText }
      : { ok: false as const, error: preview.error },
    profiles,
  };
};

const profileId = z.string().min(1).max(64).nullable();
const editorRequest = z.discriminatedUnion("intent", [
  z.strictObject({ intent: z.literal("preview"), content: z.unknown(), profileId }),
  z.strictObject({ intent: z.literal("test"), content: z.unknown(), profileId, toEmail: z.email("Enter an email address").max(254) }),
  z.strictObject({ intent: z.literal("save"), content: z.unknown() }),
  z.strictObject({ intent: z.literal("reset") }),
  z.strictObject({ intent: z.literal("profiles"), query: z.string().max(100) }),
]);

type Intent = z.infer<typeof editorRequest>["intent"];

function reply(intent: Intent | null, status: number, body: Record<string, unknown>) {
  return Response.json({ intent, ...body }, { status });
}

function editReply(intent: "save" | "reset", result: EditResult) {
  if (result.ok) return reply(intent, 200, { ok: true, version: result.version.version, changed: result.changed });
  if (result.reason === "not_found") return reply(intent, 404, { ok: false, error: "No such email step" });
  if (result.reason === "not_email_step") return reply(intent, 400, { ok: false, error: result.error });
  return reply(intent, 400, { ok: false, error: "Fix the problems shown before saving", problems: result.problems });
}

/**
 * Preview, test send, save, reset and the customer search, as JSON requests (a cross-site form cannot send
 * JSON without a CORS preflight). Everything is scoped to the current shop's flow; another shop's ids are 404.
 */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  if (!/^application\/json\b/i.test(request.headers.get("Content-Type") ?? "")) return reply(null, 415, { ok: false, error: "Send JSON" });
  const body = await readBodyWithin(request, MAX_EDITOR_BODY);
  if (body === null) return reply(null, 413, { ok: false, error: "This email is too large" });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return reply(null, 400, { ok: false, error: "Not JSON" });
  }
  const parsed = editorRequest.safeParse(json);
  if (!parsed.success) return reply(null, 400, { ok: false, error: z.prettifyError(parsed.error) });
  const input = parsed.data;
  const loaded = await loadStep(shop.id, params);
  if (!loaded) return reply(input.intent, 404, { ok: false, error: "No such email step" });
  const ids = { shopId: shop.id, flowId: loaded.found.flow.id, stepId: loaded.step.id };

  switch (input.intent) {
    case "save":
      return editReply("save", await saveEmailStep(db, { ...ids, content: input.content }));
    case "reset":
      return editReply("reset", await resetEmailStep(db, ids));
    case "profiles":
      return reply("profiles", 200, { ok: true, profiles: await listPreviewProfiles(db, shop.id, input.query) });
    case "preview":
    case "test": {
      const checked = checkEmailContent(input.content);
      if (!checked.ok) return reply(input.intent, 400, { ok: false, error: "Fix the problems shown", problems: checked.problems });
      if (input.profileId && !(await findPreviewProfile(db, shop.id, input.profileId))) {
        return reply(input.intent, 404, { ok: false, error: "No such customer" });
      }
      const common = { shopId: shop.id, content: checked.content, profileId: input.profileId, now: new Date() };
      if (input.intent === "preview") {
        const preview = await previewEmail(db, common);
        if (!preview.ok)
          return reply("preview", 400, {
            ok: false,
            error: preview.error,
            problems: [{ block: null, field: "content", message: preview.error }],
          });
        const { subject, previewText, html, text } = preview.email;
        return reply("preview", 200, { ok: true, email: { subject, previewText, html, text } });
      }
      const sent = await sendTestEmail(db, mailerFromEnv(env), { ...common, toEmail: input.toEmail });
      if (!sent.ok) return reply("test", 502, { ok: false, error: sent.error });
      return reply("test", 200, { ok: true, to: input.toEmail });
    }
  }
};

// Previews, test sends and searches change nothing the loader reads; saves and resets do.
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) => {
  const intent = actionResult && typeof actionResult === "object" ? (actionResult as { intent?: unknown }).intent : undefined;
  if (intent === "preview" || intent === "test" || intent === "profiles") return false;
  return defaultShouldRevalidate;
};

type ActionReply = {
  intent: Intent | null;
  ok: boolean;
  error?: string;
  problems?: ContentProblem[];
  version?: number;
  changed?: boolean;
  to?: string;
  email?: { subject: string; previewText: string; html: string; text: string };
  profiles?: Array<{ id: string; label: string }>;
};

type Keyed = { key: number; block: Block };

function useEditorFetchers() {
  return {
    preview: useFetcher<ActionReply>({ key: "email-preview" }),
    save: useFetcher<ActionReply>({ key: "email-save" }),
    reset: useFetcher<ActionReply>({ key: "email-reset" }),
    test: useFetcher<ActionReply>({ key: "email-test" }),
    search: useFetcher<ActionReply>({ key: "email-profiles" }),
  };
}

function EmailEditor({ fetchers }: { fetchers: ReturnType<typeof useEditorFetchers> }) {
  const data = useLoaderData<typeof loader>();
  const { preview, save, reset, test, search } = fetchers;

  const nextKey = useRef(0);
  const keyed = (block: Block): Keyed => ({ key: nextKey.current++, block });
  const [subject, setSubject] = useState(data.content.subject);
  const [previewText, setPreviewText] = useState(data.content.previewText);
  const [items, setItems] = useState<Keyed[]>(() => data.content.blocks.map(keyed));
  const [addType, setAddType] = useState<BlockType>("text");
  const [profile, setProfile] = useState<string>("");
  const [query, setQuery] = useState("");
  const [testTo, setTestTo] = useState(data.testTo);
  const [confirmReset, setConfirmReset] = useState(false);

  const content: EmailContent = useMemo(() => ({ subject, previewText, blocks: items.map((i) => i.block) }), [subject, previewText, items]);
  const dirty = JSON.stringify(content) !== JSON.stringify(data.content);
  const profileId = profile || null;

  // A preview after the merchant pauses typing, for the chosen customer; the first one came with the page.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(
      () => preview.submit({ intent: "preview", content, profileId }, { method: "post", encType: "application/json" }),
      PREVIEW_DEBOUNCE_MS
    );
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [content, profileId]);

  // Answers that came before this editor (of the content before a save or reset) are not about its content.
  const before = useRef({ preview: preview.data, save: save.data });
  const latest = preview.data && preview.data !== before.current.preview ? preview.data : null;
  const [html, setHtml] = useState(data.preview.ok ? data.preview.html : "");
  // The problems of whichever answered last, a preview or a save: both check the same content.
  const [problems, setProblems] = useState<ContentProblem[]>([]);
  useEffect(() => {
    if (latest?.ok && latest.email) setHtml(latest.email.html);
    if (latest) setProblems(latest.ok ? [] : latest.problems ?? []);
  }, [latest]);
  useEffect(() => {
    if (save.data && save.data !== before.current.save && !save.data.ok) setProblems(save.data.problems ?? []);
  }, [save.data]);
  const blockProblems = (i: number) => problems.filter((p) => p.block === i);
  const general = problems.filter((p) => p.block === null);
  const fieldError = (field: string) =>
    general
      .filter((p) => p.field === field)
      .map((p) => p.message)
      .join(" ") || undefined;

  const update = (i: number, block: Block) => setItems((all) => all.map((item, j) => (j === i ? { ...item, block } : item)));
  const move = (i: number, by: -1 | 1) =>
    setItems((all) => {
      const next = [...all];
      [next[i], next[i + by]] = [next[i + by], next[i]];
      return next;
    });
  const remove = (i: number) => setItems((all) => all.filter((_, j) => j !== i));

  return (
    <Page
      title={data.content.subject}
      titleMetadata={data.step.edited ? <Badge tone="info">Edited</Badge> : <Badge>Default</Badge>}
      subtitle={`${data.flow.name} · step ${data.step.id}${data.version ? ` · version ${data.version}` : ""}`}
      backAction={{ content: data.flow.name, url: `/app/flows/${data.flow.id}` }}
      primaryAction={{
        content: "Save",
        loading: save.state !== "idle",
        disabled: !dirty,
        onAction: () => save.submit({ intent: "save", content }, { method: "post", encType: "application/json" }),
      }}
      secondaryActions={[{ content: "Reset to default", destructive: true, onAction: () => setConfirmReset(true) }]}
    >
      <Layout>
        <Layout.Section variant="oneHalf">
          <BlockStack gap="400">
            {save.state === "idle" && save.data?.ok && save.data.version === data.version ? (
              <Banner tone="success">
                {save.data.changed
                  ? `Saved as version ${save.data.version}. New runs use it; runs under way keep theirs.`
                  : "Nothing changed."}
              </Banner>
            ) : null}
            {reset.state === "idle" && reset.data?.ok && reset.data.version === data.version ? (
              <Banner tone="success">Back to the default email (version {reset.data.version}).</Banner>
            ) : null}
            {confirmReset ? (
              <Banner
                tone="warning"
                title="Replace this email with the preset's default?"
                action={{
                  content: "Reset",
                  loading: reset.state !== "idle",
                  onAction: () => {
                    setConfirmReset(false);
                    reset.submit({ intent: "reset" }, { method: "post", encType: "application/json" });
                  },
                }}
                secondaryAction={{ content: "Cancel", onAction: () => setConfirmReset(false) }}
              >
                The flow gets a new version; earlier versions are kept for runs under way.
              </Banner>
            ) : null}
            {general.some((p) => p.field !== "subject" && p.field !== "previewText") ||
            (save.data && !save.data.ok && !save.data.problems) ? (
              <Banner tone="critical" title="This email cannot be sent as it is">
                <BlockStack gap="100">
                  {save.data && !save.data.ok && !save.data.problems ? <Text as="p">{save.data.error}</Text> : null}
                  {general
                    .filter((p) => p.field !== "subject" && p.field !== "previewText")
                    .map((p, i) => (
                      <Text as="p" key={i}>
                        {p.field}: {p.message}
                      </Text>
                    ))}
                </BlockStack>
              </Banner>
            ) : null}
            <Card>
              <BlockStack gap="300">
                <TextField
                  label="Subject"
                  value={subject}
                  onChange={setSubject}
                  autoComplete="off"
                  maxLength={300}
                  error={fieldError("subject")}
                />
                <TextField
                  label="Preview text"
                  value={previewText}
                  onChange={setPreviewText}
                  autoComplete="off"
                  maxLength={300}
                  helpText="Shown after the subject in most inboxes."
                  error={fieldError("previewText")}
                />
                {data.step.discount ? (
                  <Text as="p" tone="subdued">
                    This step gives each recipient a unique discount code (
                    {data.step.discount.kind === "percentage" ? `${data.step.discount.value}%` : data.step.discount.value} off, valid{" "}
                    {data.step.discount.expiresInDays} days): a Discount code block shows it.
                  </Text>
                ) : null}
              </BlockStack>
            </Card>
            {items.map((item, i) => (
              <EmailBlockCard
                key={item.key}
                index={i}
                count={items.length}
                block={item.block}
                problems={blockProblems(i)}
                onChange={(block) => update(i, block)}
                onMove={(by) => move(i, by)}
                onRemove={() => remove(i)}
              />
            ))}
            <Card>
              <InlineStack gap="200" blockAlign="end">
                <Select
                  label="Block type"
                  options={BLOCK_TYPES.map((t) => ({ label: BLOCK_LABELS[t], value: t }))}
                  value={addType}
                  onChange={(v) => setAddType(v as BlockType)}
                />
                <Button disabled={items.length >= MAX_BLOCKS} onClick={() => setItems((all) => [...all, keyed(newBlock(addType))])}>
                  Add block
                </Button>
              </InlineStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneHalf">
          {/* Stays in view while the merchant scrolls through the blocks. */}
          <div style={{ position: "sticky", top: "var(--p-space-400)" }}>
            <EmailPreviewPanel
              html={html}
              subject={latest?.email?.subject ?? (data.preview.ok ? data.preview.subject : subject)}
              updating={preview.state !== "idle"}
              error={latest && !latest.ok && latest.error && !latest.problems ? latest.error : null}
              query={query}
              onQuery={(q) => {
                setQuery(q);
                search.submit({ intent: "profiles", query: q }, { method: "post", encType: "application/json" });
              }}
              profiles={search.data?.profiles ?? data.profiles}
              profile={profile}
              onProfile={setProfile}
              testTo={testTo}
              onTestTo={setTestTo}
              sending={test.state !== "idle"}
              sent={
                test.state === "idle" && test.data
                  ? { ok: test.data.ok, message: test.data.ok ? `Sent to ${test.data.to}` : test.data.error ?? "Not sent" }
                  : null
              }
              onSendTest={() =>
                test.submit({ intent: "test", content, profileId, toEmail: testTo }, { method: "post", encType: "application/json" })
              }
            />
          </div>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export default function EmailEditorPage() {
  const { versionKey } = useLoaderData<typeof loader>();
  // Held here, so a save's answer outlives the editor it came from.
  const fetchers = useEditorFetchers();
  // A save or reset makes a new version: the editor starts again from what was stored.
  return <EmailEditor key={versionKey} fetchers={fetchers} />;
}
