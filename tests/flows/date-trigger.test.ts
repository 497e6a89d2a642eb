// Date-property triggers end to end on a virtual clock, on SQLite and PostgreSQL: a birthday (a custom property) or a
// first-order anniversary (a profile column) enters its flow at 09:00 shop time on the day, once a year.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import type { FlowDefinition, Trigger } from "../../app/domain/flows/definition";
import { createVersion } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { triggerScheduledFlows, type ScheduledCursors } from "../../app/worker/scheduled-triggers.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { scheduledWorker } from "../helpers/flows";

const DAY = 86_400_000;
const BIRTHDAY: Extract<Trigger, { kind: "date_property" }> = { kind: "date_property", property: "properties.birthday" };

function dateFlow(trigger: Trigger): FlowDefinition {
  return {
    schemaVersion: 1,
    trigger,
    filters: [],
    exits: [],
    // The most permissive rule: only the trigger's own id keeps a birthday to one run a year.
    reentry: { mode: "every_trigger" },
    start: "greet",
    steps: [{ id: "greet", kind: "send_email", template: "birthday", subject: "Happy birthday from {{ shop.name }}", smartSendingHours: 0, next: null }],
  };
}

describe.each(["sqlite", "postgresql"] as const)("date-property triggers on %s", (provider) => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    db = database.prisma;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  let shops = 0;
  async function shopWithFlow(timezone: string, trigger: Trigger = BIRTHDAY, holdoutPercent = 0) {
    const shop = await ensureShop(db, `dates-${++shops}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
    await db.shop.update({ where: { id: shop.id }, data: { timezone, settings: { update: { holdoutPercent } } } });
    const flow = await db.flow.create({ data: { shopId: shop.id, name: "Birthday", status: "live" } });
    const version = await createVersion(db, shop.id, flow.id, dateFlow(trigger));
    await db.flow.update({ where: { id: flow.id }, data: { currentVersionId: version.id } });
    return shop.id;
  }
  const person = (shopId: string, email: string, properties: object | null, more: { emailConsent?: string; firstOrderAt?: Date } = {}) =>
    db.profile.create({ data: { shopId, email, emailConsent: "subscribed", ...more, ...(properties ? { properties } : {}) } });
  const runsOf = (shopId: string) => db.flowRun.findMany({ where: { shopId }, orderBy: { enteredAt: "asc" }, include: { profile: { select: { email: true } } } });
  const sent = async (shopId: string) =>
    (await db.message.findMany({ where: { shopId }, orderBy: { sentAt: "asc" } })).map((m) => [m.toEmail, m.status, m.sentAt?.toISOString()]);

  it("enters on the birthday at 09:00 shop time, in the shop's timezone", async () => {
    const auckland = await shopWithFlow("Pacific/Auckland"); // UTC+13 in November: 09:00 on the 25th is 20:00Z on the 24th
    const la = await shopWithFlow("America/Los_Angeles"); // UTC-8: 09:00 is 17:00Z on the 25th
    await person(auckland, "kiri@example.com", { birthday: "1990-11-25" });
    await person(la, "lou@example.com", { birthday: "1990-11-25" });
    const w = scheduledWorker(db, "w1");

    expect((await w.pass(auckland, new Date("2026-11-24T19:59:00Z"))).triggered).toMatchObject({ started: 0 });
    const due = await w.pass(auckland, new Date("2026-11-24T20:00:00Z"));
    expect(due.triggered).toMatchObject({ flows: 1, candidates: 1, started: 1, notDue: 0 });
    expect(await sent(auckland)).toEqual([["kiri@example.com", "sent", "2026-11-24T20:00:00.000Z"]]);
    const [run] = await runsOf(auckland);
    expect(run.triggerEventId).toBe("date:properties.birthday:2026-11-25");
    expect(run.state).toMatchObject({ trigger: { name: "Date Property Reached", properties: { date: "2026-11-25", years: 36 } } });
    expect((await db.message.findFirstOrThrow({ where: { shopId: auckland } })).subject).toBe(`Happy birthday from dates-${shops - 1}`);

    for (const hour of ["09:00", "16:59"]) {
      expect((await w.pass(la, new Date(`2026-11-25T${hour}:00Z`))).triggered).toMatchObject({ started: 0 });
    }
    expect((await w.pass(la, new Date("2026-11-25T17:00:00Z"))).triggered).toMatchObject({ started: 1 });
    expect(await sent(la)).toEqual([["lou@example.com", "sent", "2026-11-25T17:00:00.000Z"]]);
  });

  it("enters once a year: later passes, another worker and the next day add nothing; the next birthday enters again", async () => {
    const shopId = await shopWithFlow("Europe/Berlin"); // UTC+1 in November
    await person(shopId, "bea@example.com", { birthday: "1990-11-25" });
    const a = scheduledWorker(db, "worker-a");
    const b = scheduledWorker(db, "worker-b");
    expect((await a.pass(shopId, new Date("2026-11-25T08:00:00Z"))).triggered).toMatchObject({ started: 1 });
    expect((await a.pass(shopId, new Date("2026-11-25T09:00:00Z"))).triggered).toMatchObject({ candidates: 0 }); // no occurrence since
    // Another worker's first pass looks back 24 hours: it finds her again, and the trigger id stops a second run.
    expect((await b.pass(shopId, new Date("2026-11-25T12:00:00Z"))).triggered).toMatchObject({ candidates: 1, started: 0, refused: { already_triggered: 1 } });
    expect((await a.pass(shopId, new Date("2026-11-26T08:00:00Z"))).triggered).toMatchObject({ started: 0 });
    expect((await b.pass(shopId, new Date("2026-11-26T08:30:00Z"))).triggered).toMatchObject({ started: 0 });
    expect(await runsOf(shopId)).toHaveLength(1);

    expect((await a.pass(shopId, new Date("2027-11-25T08:00:00Z"))).triggered).toMatchObject({ started: 1 });
    expect((await runsOf(shopId)).map((r) => r.triggerEventId)).toEqual(["date:properties.birthday:2026-11-25", "date:properties.birthday:2027-11-25"]);
    expect(await sent(shopId)).toEqual([
      ["bea@example.com", "sent", "2026-11-25T08:00:00.000Z"],
      ["bea@example.com", "sent", "2027-11-25T08:00:00.000Z"],
    ]);
  });

  it("Feb 29 birthdays: Feb 28 in common years, Feb 29 in leap years", async () => {
    const shopId = await shopWithFlow("Pacific/Auckland"); // UTC+13 in February
    await person(shopId, "leap@example.com", { birthday: "1992-02-29" });
    const w = scheduledWorker(db, "w1");
    // 2027: Feb 28, 09:00 local.
    expect((await w.pass(shopId, new Date("2027-02-27T19:59:00Z"))).triggered).toMatchObject({ started: 0 });
    expect((await w.pass(shopId, new Date("2027-02-27T20:00:00Z"))).triggered).toMatchObject({ started: 1 });
    expect((await w.pass(shopId, new Date("2027-02-28T20:00:00Z"))).triggered).toMatchObject({ started: 0 }); // Mar 1
    // 2028: Feb 29 itself, not Feb 28.
    expect((await w.pass(shopId, new Date("2028-02-27T20:00:00Z"))).triggered).toMatchObject({ started: 0 });
    expect((await w.pass(shopId, new Date("2028-02-28T20:00:00Z"))).triggered).toMatchObject({ started: 1 });
    expect((await runsOf(shopId)).map((r) => r.triggerEventId)).toEqual(["date:properties.birthday:2027-02-28", "date:properties.birthday:2028-02-29"]);
    expect(await sent(shopId)).toEqual([
      ["leap@example.com", "sent", "2027-02-27T20:00:00.000Z"],
      ["leap@example.com", "sent", "2028-02-28T20:00:00.000Z"],
    ]);
  });

  it("never enters a profile whose birthday is missing or invalid, on any day of the year", async () => {
    const shopId = await shopWithFlow("UTC");
    const invalid: Array<object | null> = [
      null,
      {},
      { birthday: null },
      { birthday: "" },
      { birthday: "not a date" },
      { birthday: 19901125 },
      { birthday: "25/11/1990" },
      { birthday: "1990-02-30" },
      { birthday: "1990-11-31" },
      { birthday: "1990-00-10" },
      { birthday: "1990-13-01" },
      { birthday: "xxxx-11-25" },
      { birthday: "2026-11-25" }, // not a past year: nothing to celebrate yet
      { birthday: { date: "1990-11-25" } },
      { other: "1990-11-25" },
    ];
    for (const [i, properties] of invalid.entries()) await person(shopId, `invalid-${i}@example.com`, properties);
    const cursors: ScheduledCursors = new Map();
    let notDue = 0;
    for (let day = 0; day <= 366; day++) {
      const summary = await triggerScheduledFlows(db, { shopId, now: new Date(Date.UTC(2026, 0, 1, 9, 30) + day * DAY), cursors });
      expect(summary.started).toBe(0);
      notDue += summary.notDue;
    }
    // The SQL narrowing lets through only strings shaped like a date on that day; the pure check turns those down.
    expect(notDue).toBeGreaterThan(0);
    expect(await runsOf(shopId)).toHaveLength(0);
  });

  it("first-order anniversaries from a profile column, on the shop's local day, from the first anniversary on", async () => {
    const shopId = await shopWithFlow("Pacific/Auckland", { kind: "date_property", property: "firstOrderAt" });
    // 23:30Z on Nov 25 is 12:30 on Nov 26 in Auckland: the anniversary is the local day.
    await person(shopId, "first@example.com", null, { firstOrderAt: new Date("2025-11-25T23:30:00Z") });
    const w = scheduledWorker(db, "w1");
    expect((await w.pass(shopId, new Date("2025-11-26T20:00:00Z"))).triggered).toMatchObject({ started: 0 }); // the order's own year
    expect((await w.pass(shopId, new Date("2026-11-24T20:00:00Z"))).triggered).toMatchObject({ started: 0 }); // Nov 25 local
    expect((await w.pass(shopId, new Date("2026-11-25T20:00:00Z"))).triggered).toMatchObject({ started: 1 }); // Nov 26 local
    expect((await runsOf(shopId)).map((r) => r.triggerEventId)).toEqual(["date:firstOrderAt:2026-11-26"]);
  });

  it("applies consent and holdout as for event triggers: the run starts, the email is skipped with its reason", async () => {
    const shopId = await shopWithFlow("UTC");
    await person(shopId, "nope@example.com", { birthday: "1990-11-25" }, { emailConsent: "unsubscribed" });
    const held = await shopWithFlow("UTC", BIRTHDAY, 100);
    await person(held, "held@example.com", { birthday: "1990-11-25" });
    const w = scheduledWorker(db, "w1");
    await w.pass(shopId, new Date("2026-11-25T09:00:00Z"));
    await w.pass(held, new Date("2026-11-25T09:00:00Z"));
    expect(await sent(shopId)).toEqual([]);
    expect(await sent(held)).toEqual([]);
    const [refused] = await runsOf(shopId);
    expect(refused).toMatchObject({ status: "completed", holdout: false });
    expect(refused.state).toMatchObject({ skips: [{ stepId: "greet", reason: "no_consent" }] });
    const [control] = await runsOf(held);
    expect(control).toMatchObject({ status: "completed", holdout: true });
    expect(control.state).toMatchObject({ skips: [{ stepId: "greet", reason: "holdout" }] });
  });

  it("looks at no more than `limit` profiles per call and resumes the same window", async () => {
    const shopId = await shopWithFlow("UTC");
    for (let i = 0; i < 3; i++) await person(shopId, `twin-${i}@example.com`, { birthday: `199${i}-11-25` });
    await person(shopId, "other@example.com", { birthday: "1990-06-01" });
    const w = scheduledWorker(db, "w1");
    expect(await w.trigger(shopId, new Date("2026-11-25T09:00:00Z"), 2)).toMatchObject({ candidates: 2, started: 2, more: true });
    expect(await w.trigger(shopId, new Date("2026-11-25T09:05:00Z"), 2)).toMatchObject({ candidates: 1, started: 1, more: false });
    expect(await w.trigger(shopId, new Date("2026-11-25T09:10:00Z"), 2)).toMatchObject({ candidates: 0, more: false });
    expect((await runsOf(shopId)).map((r) => r.profile.email).sort()).toEqual(["twin-0@example.com", "twin-1@example.com", "twin-2@example.com"]);
  });
});
