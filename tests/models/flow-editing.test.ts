import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import type { EmailContent } from "../../app/domain/email/content";
import { defaultEmailContent } from "../../app/domain/email/defaults";
import { WELCOME_FLOW } from "../../app/domain/flows/preset-definitions";
import { switchOff, switchOnPreset } from "../../app/models/flow-definitions.server";
import { getFlowForShop, resetEmailStep, saveEmailStep } from "../../app/models/flow-editing.server";
import { sumFlowNumbers } from "../../app/models/flow-rollups.server";
import { ensurePresetFlows, setFlowLive } from "../../app/models/flows.server";
import { incrementRollup } from "../../app/models/rollups.server";
import { ensureShop } from "../../app/models/shop.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const edited = (heading: string): EmailContent => ({
  subject: `Hello from {{ shop.name }}: ${heading}`,
  previewText: "A short preview",
  blocks: [
    { type: "heading", text: heading },
    { type: "text", text: 'Hi {{ profile.first_name | default: "there" }},\n\nWelcome.' },
    { type: "button", label: "Shop", href: "{{ shop.url }}" },
    { type: "footer" },
  ],
});

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

describe.each(["sqlite", "postgresql"] as const)("flow editing on %s", (provider) => {
  let database: TestDatabase;
  let db: Db;
  let count = 0;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    db = database.prisma;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  /** A fresh shop with the presets (all off) and, optionally, the welcome series switched on (version 1). */
  async function shopWithWelcome(live = true) {
    const shop = await ensureShop(db, `editing-${provider}-${++count}.myshopify.com`);
    await ensurePresetFlows(db, shop.id);
    const flow = live
      ? await switchOnPreset(db, shop.id, "welcome")
      : await db.flow.findFirstOrThrow({ where: { shopId: shop.id, preset: "welcome" } });
    return { shop, flowId: flow.id };
  }

  const versionsOf = (flowId: string) => db.flowVersion.findMany({ where: { flowId }, orderBy: { version: "asc" } });
  const stepOf = (definition: unknown, id: string) =>
    (definition as { steps: Array<Record<string, unknown>> }).steps.find((s) => s.id === id)!;

  it("saves an email step as version n+1 and leaves version n as it was", async () => {
    const { shop, flowId } = await shopWithWelcome();
    const [v1] = await versionsOf(flowId);
    const saved = await saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_1", content: edited("First") });
    expect(saved).toMatchObject({ ok: true, version: { version: 2 }, changed: true });

    const [after1, v2] = await versionsOf(flowId);
    expect(after1).toEqual(v1);
    expect(after1.definition).toEqual(json(WELCOME_FLOW));
    expect(stepOf(v2.definition, "welcome_1")).toMatchObject({
      subject: "Hello from {{ shop.name }}: First",
      content: json(edited("First")),
    });
    // Every other step is unchanged.
    expect(stepOf(v2.definition, "welcome_2")).toEqual(stepOf(v1.definition, "welcome_2"));
    expect((await db.flow.findUniqueOrThrow({ where: { id: flowId } })).currentVersionId).toBe(v2.id);

    // The same content again is no new version.
    expect(await saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_1", content: edited("First") })).toMatchObject({
      ok: true,
      version: { id: v2.id, version: 2 },
      changed: false,
    });
    expect(await versionsOf(flowId)).toHaveLength(2);

    const page = await getFlowForShop(db, shop.id, flowId);
    expect(page?.versions.map((v) => [v.version, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it("refuses invalid content with problems beside the block, and writes nothing", async () => {
    const { shop, flowId } = await shopWithWelcome();
    const base = edited("Base");
    const cases: Array<[unknown, (problems: Array<{ block: number | null; field: string }>) => void]> = [
      [
        { ...base, blocks: [base.blocks[0], { type: "text", text: "{{ x | raw }}" }] },
        (p) => expect(p).toContainEqual(expect.objectContaining({ block: 1, field: "text" })),
      ],
      [
        { ...base, blocks: [{ type: "button", label: "Go", href: "javascript:alert(1)" }] },
        (p) => expect(p).toContainEqual(expect.objectContaining({ block: 0, field: "href" })),
      ],
      [
        { ...base, blocks: Array.from({ length: 500 }, () => ({ type: "divider" })) },
        (p) => expect(p).toContainEqual(expect.objectContaining({ block: null, field: "blocks" })),
      ],
      [
        { ...base, subject: "{% include 'x' %}" },
        (p) => expect(p).toContainEqual(expect.objectContaining({ block: null, field: "subject" })),
      ],
      [{ ...base, blocks: [{ type: "script", text: "x" }] }, (p) => expect(p[0].block).toBe(0)],
      ["not an object", (p) => expect(p.length).toBeGreaterThan(0)],
    ];
    for (const [content, expectProblems] of cases) {
      const result = await saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_1", content });
      if (result.ok || result.reason !== "invalid") throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
      expectProblems(result.problems);
    }
    expect(await versionsOf(flowId)).toHaveLength(1);
  });

  it("finds nothing of another shop, refuses steps that send no email, and writes nothing", async () => {
    const a = await shopWithWelcome();
    const b = await shopWithWelcome();
    expect(await getFlowForShop(db, a.shop.id, b.flowId)).toBeNull();
    expect(await saveEmailStep(db, { shopId: a.shop.id, flowId: b.flowId, stepId: "welcome_1", content: edited("X") })).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await saveEmailStep(db, { shopId: a.shop.id, flowId: b.flowId, stepId: "welcome_1", content: "junk" })).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await resetEmailStep(db, { shopId: a.shop.id, flowId: b.flowId, stepId: "welcome_1" })).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await saveEmailStep(db, { shopId: a.shop.id, flowId: a.flowId, stepId: "no_such_step", content: edited("X") })).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await saveEmailStep(db, { shopId: a.shop.id, flowId: a.flowId, stepId: "wait_2_days", content: edited("X") })).toMatchObject({
      ok: false,
      reason: "not_email_step",
    });
    expect(await versionsOf(a.flowId)).toHaveLength(1);
    expect(await versionsOf(b.flowId)).toHaveLength(1);
  });

  it("resets a step to the preset's content and subject as a new version", async () => {
    const { shop, flowId } = await shopWithWelcome();
    await saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_2", content: edited("Mine") });
    const reset = await resetEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_2" });
    expect(reset).toMatchObject({ ok: true, version: { version: 3 }, changed: true });
    const versions = await versionsOf(flowId);
    expect(versions[2].definition).toEqual(json(WELCOME_FLOW));
    expect(stepOf(versions[1].definition, "welcome_2")).toHaveProperty("content");
    expect(stepOf(versions[2].definition, "welcome_2").subject).toBe(defaultEmailContent("welcome_2")!.subject);
    // Nothing to reset: no version.
    expect(await resetEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_2" })).toMatchObject({ ok: true, changed: false });
    expect(await versionsOf(flowId)).toHaveLength(3);
  });

  it("keeps the edited version when the flow is switched off and on again", async () => {
    const { shop, flowId } = await shopWithWelcome();
    const saved = await saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_3", content: edited("Kept") });
    if (!saved.ok) throw new Error("save failed");
    await switchOff(db, shop.id, "welcome");
    const on = await switchOnPreset(db, shop.id, "welcome");
    expect(on).toMatchObject({ status: "live", currentVersionId: saved.version.id });
    await setFlowLive(db, shop.id, flowId, false);
    expect(await setFlowLive(db, shop.id, flowId, true)).toMatchObject({ status: "live", currentVersionId: saved.version.id });
    expect(await versionsOf(flowId)).toHaveLength(2);
  });

  it("edits a flow that was never switched on: version 1 from the preset with the edit, still off, kept when switched on", async () => {
    const { shop, flowId } = await shopWithWelcome(false);
    const page = await getFlowForShop(db, shop.id, flowId);
    expect(page?.definition).toEqual(WELCOME_FLOW);
    expect(page?.versions).toEqual([]);
    const saved = await saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_1", content: edited("Draft") });
    expect(saved).toMatchObject({ ok: true, version: { version: 1 } });
    expect((await db.flow.findUniqueOrThrow({ where: { id: flowId } })).status).toBe("draft");
    const on = await setFlowLive(db, shop.id, flowId, true);
    const [v1] = await versionsOf(flowId);
    expect(on?.currentVersionId).toBe(v1.id);
    expect(stepOf(v1.definition, "welcome_1").content).toEqual(json(edited("Draft")));
  });

  it("applies two concurrent saves of different steps one on top of the other", async () => {
    const { shop, flowId } = await shopWithWelcome();
    const results = await Promise.all([
      saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_1", content: edited("One") }),
      saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_2", content: edited("Two") }),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const versions = await versionsOf(flowId);
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    const current = (await getFlowForShop(db, shop.id, flowId))!.definition!;
    expect(stepOf(current, "welcome_1").content).toEqual(json(edited("One")));
    expect(stepOf(current, "welcome_2").content).toEqual(json(edited("Two")));
  });

  it("keeps an edit saved while the flow is being switched on for the first time", async () => {
    const { shop, flowId } = await shopWithWelcome(false);
    const [saved, on] = await Promise.all([
      saveEmailStep(db, { shopId: shop.id, flowId, stepId: "welcome_1", content: edited("Race") }),
      setFlowLive(db, shop.id, flowId, true),
    ]);
    expect(saved.ok).toBe(true);
    expect(on?.status).toBe("live");
    const flow = await db.flow.findUniqueOrThrow({ where: { id: flowId } });
    expect(flow.status).toBe("live");
    const current = (await getFlowForShop(db, shop.id, flowId))!;
    expect(current.versions.find((v) => v.current)?.id).toBe(flow.currentVersionId);
    expect(stepOf(current.definition, "welcome_1").content).toEqual(json(edited("Race")));
  });

  it("sums one flow's rollups per step (message counters, skipped by reason) and per version, nothing of other flows or shops", async () => {
    const { shop, flowId } = await shopWithWelcome();
    const other = await shopWithWelcome();
    const [v1] = await versionsOf(flowId);
    const add = (key: Parameters<typeof incrementRollup>[1], by: number) => incrementRollup(db, key, BigInt(by));
    const base = { shopId: shop.id, flowId, flowVersionId: v1.id };
    await add({ ...base, day: "2026-11-20", metric: "sent", stepId: "welcome_1" }, 5);
    await add({ ...base, day: "2026-11-21", metric: "sent", stepId: "welcome_1", variant: "b" }, 2);
    await add({ ...base, day: "2026-11-21", metric: "skipped:no_consent", stepId: "welcome_1" }, 3);
    await add({ ...base, day: "2026-11-21", metric: "skipped:holdout", stepId: "welcome_1" }, 4);
    await add({ ...base, day: "2026-11-21", metric: "entered" }, 9);
    await add({ ...base, day: "2026-10-01", metric: "sent", stepId: "welcome_1" }, 100); // before the period
    await add({ ...base, day: "2026-11-21", metric: "opened", stepId: "welcome_1" }, 100);
    await add({ ...base, day: "2026-11-21", metric: "opened_machine", stepId: "welcome_1" }, 50); // not a step number
    await add({ shopId: other.shop.id, flowId: other.flowId, day: "2026-11-21", metric: "sent", stepId: "welcome_1" }, 100);

    // The holdout counters share the variant dimension (their group) and are no A/B variant's numbers.
    await add({ shopId: shop.id, flowId, day: "2026-11-21", metric: "cohort_people", variant: "holdout" }, 40);
    const { steps, versions, variants } = await sumFlowNumbers(db, shop.id, flowId, "2026-11-01", "2026-11-30");
    expect([...steps.keys()]).toEqual(["welcome_1"]);
    expect(steps.get("welcome_1")).toEqual({
      sent: 7n,
      delivered: 0n,
      opened: 100n,
      clicked: 0n,
      unsubscribed: 0n,
      bounced: 0n,
      complained: 0n,
      orders: 0n,
      revenue: 0n,
      skipped: [
        { reason: "holdout", count: 4n },
        { reason: "no_consent", count: 3n },
      ],
    });
    expect(versions.get(v1.id)).toMatchObject({ entered: 9n, sent: 7n, opened: 100n, orders: 0n });
    expect([...variants.keys()]).toEqual(["b"]);
    expect(variants.get("b")).toMatchObject({ sent: 2n, opened: 0n });
    expect(await sumFlowNumbers(db, other.shop.id, flowId, "2026-11-01", "2026-11-30")).toEqual({ steps: new Map(), versions: new Map(), variants: new Map() });
  });
});
