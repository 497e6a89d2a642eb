import { beforeEach } from "vitest";
import db from "../../app/db.server";
import type { Db, Prisma } from "../../app/db/client.server";
import type { FlowDefinition } from "../../app/domain/flows/definition";
import type { FlowPreset } from "../../app/domain/flows/presets";
import { switchOnPreset } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { deliverQueued } from "../../app/models/messages.server";
import { createOutboxMailer } from "../../app/services/mailer/outbox.server";
import type { Mailer } from "../../app/services/mailer/types";
import { emailDelivery } from "../../app/worker/email-delivery.server";
import { advanceDueRuns, triggerFlows } from "../../app/worker/flow-worker.server";
import { triggerScheduledFlows, type ScheduledCursors } from "../../app/worker/scheduled-triggers.server";
import { drainAll } from "./ingest";

/**
 * One worker pass at a virtual instant, the order production runs it in: drain the inbox, trigger and wake
 * runs from new events, advance due runs, deliver queued emails to the outbox. Keeps its own event cursor.
 */
/**
 * Delivery as production wires it, with discount codes issued in memory (the Shopify side of discounts is tested
 * against a local Admin API server in tests/shopify/discounts.test.ts): `issued` lists every code requested.
 */
export function testEmailDelivery(client: Db = db) {
  const issued: string[] = [];
  const delivery = emailDelivery(client, {
    secret: process.env.SESSION_SECRET!,
    appUrl: process.env.SHOPIFY_APP_URL!,
    discounts: async (request) => (issued.push(request.code), { ok: true, code: request.code, endsAt: request.endsAt }),
  });
  return { ...delivery, issued };
}

/** A flow started by `event` that runs `steps` from the first, with no filters or exits. */
export function eventFlow(event: Extract<FlowDefinition["trigger"], { kind: "event" }>["event"], steps: FlowDefinition["steps"], reentry: FlowDefinition["reentry"] = { mode: "never" }): FlowDefinition {
  return { schemaVersion: 1, trigger: { kind: "event", event }, filters: [], exits: [], reentry, start: steps[0].id, steps };
}

/** A live flow of the shop running `definition` as its version 1. */
export async function createLiveFlow(client: Db, shopId: string, definition: FlowDefinition, name = "Test flow") {
  const flow = await client.flow.create({ data: { shopId, name, status: "live" } });
  const version = await client.flowVersion.create({
    data: { shopId, flowId: flow.id, version: 1, definition: definition as unknown as Prisma.InputJsonValue },
  });
  await client.flow.update({ where: { id: flow.id }, data: { currentVersionId: version.id } });
  return flow;
}

export function flowClock(shopId: () => string, options: { mailer?: () => Mailer } = {}) {
  const outbox = createOutboxMailer();
  const delivery = testEmailDelivery();
  let cursor = new Date(0);
  return {
    reset() {
      cursor = new Date(0);
      delivery.issued.length = 0;
    },
    async tick(now: Date) {
      await drainAll(() => now);
      const triggered = await triggerFlows(db, { shopId: shopId(), since: cursor, now });
      cursor = triggered.cursor;
      const advanced = await advanceDueRuns(db, { owner: "worker-1", now });
      await deliverQueued(db, options.mailer?.() ?? outbox, { now, limit: 100, defaultFrom: "Shop <shop@example.com>", prepare: delivery.prepare, headers: delivery.headers });
      return { triggered, advanced };
    },
    /** Discount codes requested from the (in-memory) Shopify side, in order. */
    issued: delivery.issued,
  };
}

/**
 * A fresh shop with one preset switched on before each test, and the worker pass for it: the common set-up of
 * the preset end-to-end tests.
 */
export function presetScenario(domain: string, preset: FlowPreset) {
  let shopId = "";
  const clock = flowClock(() => shopId);
  beforeEach(async () => {
    await db.shop.deleteMany();
    shopId = (await ensureShop(db, domain, new Date("2026-01-01T00:00:00Z"))).id;
    await switchOnPreset(db, shopId, preset);
    clock.reset();
  });
  return { shopId: () => shopId, tick: (now: Date) => clock.tick(now) };
}

/**
 * One worker of the scheduled triggers (birthdays, sunset) on `client`: its own scan cursors, then the usual
 * advance and delivery passes, at a virtual instant.
 */
export function scheduledWorker(client: Db, owner: string) {
  const cursors: ScheduledCursors = new Map();
  const mailer = createOutboxMailer();
  const delivery = testEmailDelivery(client);
  return {
    cursors,
    trigger: (shopId: string, now: Date, limit?: number) => triggerScheduledFlows(client, { shopId, now, cursors, ...(limit ? { limit } : {}) }),
    async pass(shopId: string, now: Date) {
      const triggered = await triggerScheduledFlows(client, { shopId, now, cursors });
      const advanced = await advanceDueRuns(client, { owner, now });
      await deliverQueued(client, mailer, { shopId, now, limit: 100, defaultFrom: "Shop <shop@example.com>", prepare: delivery.prepare, headers: delivery.headers });
      return { triggered, advanced };
    },
  };
}
