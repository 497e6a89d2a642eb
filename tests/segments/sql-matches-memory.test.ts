// Done when (issue 8): on both databases the SQL a tree compiles to selects exactly the profiles the in-memory
// evaluation selects, for many random trees over generated profiles and events (fixed seed: failures reproduce).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../app/db/client.server";
import { evaluateSegment, type SegmentEvent, type SegmentProfile } from "../../app/domain/segments/evaluate";
import { parseSegmentTree } from "../../app/domain/segments/tree";
import { dialectOf, segmentMemberIds } from "../../app/models/segment-query.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { eventArb, NOW, profileArb, TIMEZONES, treeArb } from "./generators";

const SEED = 20_261_125;
const RUNS = Number(process.env.SEGMENT_PROPERTY_RUNS ?? 400);

type Person = { profile: SegmentProfile; events: SegmentEvent[] };

function dataset(): Person[] {
  const people = fc.sample(fc.array(fc.tuple(profileArb, fc.array(eventArb, { maxLength: 6 })), { minLength: 90, maxLength: 90 }), { seed: SEED, numRuns: 1 })[0];
  return people.map(([profile, events], i) => ({
    // Every tenth profile was merged into another: never a member, whatever it says.
    profile: { ...profile, id: `p${String(i).padStart(3, "0")}`, mergedIntoId: i % 10 === 9 ? "p000" : null },
    events,
  }));
}

async function store(t: TestDatabase, shopId: string, people: Person[], idPrefix = "") {
  await t.prisma.profile.createMany({
    data: people.map(({ profile }) => ({
      ...profile,
      id: idPrefix + profile.id,
      mergedIntoId: profile.mergedIntoId && idPrefix + profile.mergedIntoId,
      shopId,
      properties: profile.properties === null ? Prisma.DbNull : (profile.properties as Prisma.InputJsonValue),
    })) as Prisma.ProfileCreateManyInput[],
  });
  await t.prisma.event.createMany({
    data: people.flatMap(({ profile, events }) =>
      events.map((e, j) => ({
        shopId,
        profileId: idPrefix + profile.id,
        name: e.name,
        occurredAt: e.occurredAt,
        properties: e.properties === null ? Prisma.JsonNull : (e.properties as Prisma.InputJsonValue),
        source: "test",
        sourceId: `${idPrefix}${profile.id}:${j}`,
      })),
    ),
  });
}

describe.each(["sqlite", "postgresql"] as const)("segment SQL on %s", (provider) => {
  let t: TestDatabase;
  let shopId = "";
  const people = dataset();

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const shop = await t.prisma.shop.create({ data: { domain: "segments-a.myshopify.com", name: "A" } });
    const other = await t.prisma.shop.create({ data: { domain: "segments-b.myshopify.com", name: "B" } });
    shopId = shop.id;
    await store(t, shop.id, people);
    // The same people in another shop: a query for shop A must never return them.
    await store(t, other.id, people, "b-");
  });
  afterAll(() => t?.cleanup());

  it("selects exactly what the in-memory evaluation selects, for random trees", async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(treeArb, fc.constantFrom(...TIMEZONES), async (tree, timezone) => {
        expect(parseSegmentTree(tree)).toMatchObject({ ok: true });
        const clock = { now: NOW, timezone };
        const expected = people.filter((p) => evaluateSegment(tree, p.profile, p.events, clock)).map((p) => p.profile.id).sort();
        const actual = await segmentMemberIds(t.prisma, dialectOf(t.prisma), shopId, tree, clock);
        expect(actual).toEqual(expected);
        if (expected.length > 0 && expected.length < people.length * 0.9) nonEmpty++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The generators must make trees that really select: most runs neither nobody nor nearly everyone.
    expect(nonEmpty).toBeGreaterThan(RUNS * 0.3);
  });
});
