// The example, end to end on both databases: female customers aged 30-50 who did not buy product X in the
// last year. Each person below sits on one edge of it; SQL and the in-memory evaluation must both say who is in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../app/db/client.server";
import { evaluateSegment, type SegmentEvent } from "../../app/domain/segments/evaluate";
import { parseSegmentTree, type SegmentTree } from "../../app/domain/segments/tree";
import { refreshMemberships } from "../../app/models/segment-membership.server";
import { countSegment, dialectOf, segmentMemberIds } from "../../app/models/segment-query.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const DAY_MS = 86_400_000;
const NOW = new Date("2026-06-15T12:00:00Z");
const clock = { now: NOW, timezone: "Europe/Berlin" };
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

export const FEMALE_30_TO_50_NOT_X: SegmentTree = {
  kind: "all",
  of: [
    { kind: "property", key: "gender", type: "text", op: "eq", value: "female" },
    { kind: "age", key: "birthday", op: "gte", value: 30 },
    { kind: "age", key: "birthday", op: "lte", value: 50 },
    {
      kind: "event_count",
      event: "Ordered Product",
      where: [{ path: "productId", type: "text", op: "eq", value: "X" }],
      since: { days: 365 },
      atMost: 0,
    },
  ],
};

type Person = { name: string; gender?: unknown; birthday?: unknown; bought?: Array<[string, number]>; inSegment: boolean };

const PEOPLE: Person[] = [
  { name: "anna", gender: "female", birthday: "1990-01-01", inSegment: true },
  { name: "bea-bought-x-recently", gender: "female", birthday: "1990-01-01", bought: [["X", 100]], inSegment: false },
  { name: "cara-bought-x-long-ago", gender: "female", birthday: "1990-01-01", bought: [["X", 400]], inSegment: true },
  { name: "dana-bought-y", gender: "female", birthday: "1985-05-05", bought: [["Y", 10]], inSegment: true },
  { name: "eve-30-today", gender: "female", birthday: "1996-06-15", inSegment: true },
  { name: "fay-30-tomorrow", gender: "female", birthday: "1996-06-16", inSegment: false },
  { name: "gina-51-tomorrow", gender: "female", birthday: "1975-06-16", inSegment: true },
  { name: "hana-51-today", gender: "female", birthday: "1975-06-15", inSegment: false },
  { name: "ida-capitalised", gender: "Female", birthday: "1980-02-29", inSegment: true },
  { name: "jo-male", gender: "male", birthday: "1990-01-01", inSegment: false },
  { name: "kim-no-birthday", gender: "female", inSegment: false },
  { name: "lea-no-gender", birthday: "1990-01-01", inSegment: false },
  { name: "mia-x-exactly-a-year-ago", gender: "female", birthday: "1990-01-01", bought: [["X", 365]], inSegment: false },
  { name: "nora-x-a-year-and-a-day-ago", gender: "female", birthday: "1990-01-01", bought: [["X", 366]], inSegment: true },
  { name: "olga-birthday-as-datetime", gender: "female", birthday: "1986-03-04T00:00:00Z", inSegment: true },
];

describe.each(["sqlite", "postgresql"] as const)("female customers aged 30-50 who did not buy X in the last year, on %s", (provider) => {
  let t: TestDatabase;
  let shopId = "";
  const ids = new Map<string, string>();
  const eventsOf = new Map<string, SegmentEvent[]>();

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const shop = await t.prisma.shop.create({ data: { domain: "seed-example.myshopify.com", name: "Seed" } });
    shopId = shop.id;
    for (const person of PEOPLE) {
      const properties = { ...(person.gender !== undefined ? { gender: person.gender } : {}), ...(person.birthday !== undefined ? { birthday: person.birthday } : {}) };
      const profile = await t.prisma.profile.create({ data: { shopId, email: `${person.name}@example.com`, properties: properties as Prisma.InputJsonValue } });
      ids.set(person.name, profile.id);
      const events = (person.bought ?? []).map(([productId, days]): SegmentEvent => ({ name: "Ordered Product", occurredAt: ago(days), properties: { productId } }));
      eventsOf.set(profile.id, events);
      for (const [i, e] of events.entries()) {
        await t.prisma.event.create({
          data: { shopId, profileId: profile.id, name: e.name, occurredAt: e.occurredAt, properties: e.properties as Prisma.InputJsonValue, source: "test", sourceId: `${profile.id}:${i}` },
        });
      }
    }
  });
  afterAll(() => t?.cleanup());

  it("is a valid tree and selects exactly the people it should, in SQL and in memory", async () => {
    expect(parseSegmentTree(JSON.stringify(FEMALE_30_TO_50_NOT_X)).ok).toBe(true);
    const expected = PEOPLE.filter((p) => p.inSegment).map((p) => ids.get(p.name)!).sort();
    const sqlIds = await segmentMemberIds(t.prisma, dialectOf(t.prisma), shopId, FEMALE_30_TO_50_NOT_X, clock);
    expect(sqlIds.map((id) => PEOPLE[[...ids.values()].indexOf(id)].name).sort()).toEqual(PEOPLE.filter((p) => p.inSegment).map((p) => p.name).sort());
    expect(sqlIds).toEqual(expected);
    expect(await countSegment(t.prisma, shopId, FEMALE_30_TO_50_NOT_X, clock)).toBe(expected.length);

    const profiles = await t.prisma.profile.findMany({ where: { shopId } });
    const inMemory = profiles.filter((p) => evaluateSegment(FEMALE_30_TO_50_NOT_X, p as never, eventsOf.get(p.id) ?? [], clock)).map((p) => p.id).sort();
    expect(inMemory).toEqual(expected);
  });

  it("keeps memberships: entering writes one Entered Segment event each, and a second pass changes nothing", async () => {
    const segment = await t.prisma.segment.create({ data: { shopId, name: "Female 30-50, no X", conditions: FEMALE_30_TO_50_NOT_X } });
    const shop = { id: shopId, timezone: clock.timezone };
    const everyone = [...ids.values()];
    const expected = PEOPLE.filter((p) => p.inSegment).length;
    expect(await refreshMemberships(t.prisma, dialectOf(t.prisma), shop, everyone, NOW)).toEqual({ entered: expected, left: 0 });
    expect(await refreshMemberships(t.prisma, dialectOf(t.prisma), shop, everyone, NOW)).toEqual({ entered: 0, left: 0 });
    const entered = await t.prisma.event.findMany({ where: { shopId, name: "Entered Segment" } });
    expect(entered).toHaveLength(expected);
    expect(entered[0].properties).toEqual({ segmentId: segment.id, segmentName: "Female 30-50, no X" });

    // Anna buys X: she leaves at the next evaluation.
    const anna = ids.get("anna")!;
    await t.prisma.event.create({ data: { shopId, profileId: anna, name: "Ordered Product", occurredAt: NOW, properties: { productId: "X" }, source: "test", sourceId: "anna:x" } });
    expect(await refreshMemberships(t.prisma, dialectOf(t.prisma), shop, [anna], new Date(NOW.getTime() + 1000))).toEqual({ entered: 0, left: 1 });
    expect(await t.prisma.segmentMembership.findUniqueOrThrow({ where: { segmentId_profileId: { segmentId: segment.id, profileId: anna } } })).toMatchObject({ leftAt: new Date(NOW.getTime() + 1000) });
  });
});
