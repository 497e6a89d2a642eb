// The segment benchmark's code at a tiny scale: its generated shop loads on both databases and every one of its
// five segments counts, through the app's countSegment, exactly what the in-memory evaluation says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateSegment } from "../app/domain/segments/evaluate";
import { parseSegmentTree } from "../app/domain/segments/tree";
import { countSegment } from "../app/models/segment-query.server";
import { createTestDatabase, type TestDatabase } from "../tests/helpers/db";
import { bulkWriter } from "./bulk-insert";
import { asSegmentInput, generateProfile, SEGMENT_CLOCK } from "./segment-data";
import { BENCH_SEGMENTS } from "./segment-trees";
import { loadSegmentShop } from "./segments";

const PROFILES = 300;

describe.each(["sqlite", "postgresql"] as const)("bench:segments at %s, 300 profiles", (provider) => {
  let t: TestDatabase;
  let shopId = "";
  let events = 0;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const w = await bulkWriter(t);
    ({ shopId, events } = await loadSegmentShop(t.prisma, w, PROFILES));
    await w.close();
  });
  afterAll(() => t?.cleanup());

  it("stores every generated profile and event", async () => {
    expect(await t.prisma.profile.count({ where: { shopId } })).toBe(PROFILES);
    expect(await t.prisma.event.count({ where: { shopId } })).toBe(events);
    expect(events).toBeGreaterThan(PROFILES * 5);
  });

  it.each(BENCH_SEGMENTS)("counts $name as the in-memory evaluation does", async ({ tree }) => {
    expect(parseSegmentTree(JSON.stringify(tree)).ok).toBe(true);
    let expected = 0;
    for (let i = 0; i < PROFILES; i++) {
      const { profile, events: theirs } = asSegmentInput(generateProfile(shopId, i, 10));
      if (evaluateSegment(tree, profile, theirs, SEGMENT_CLOCK)) expected++;
    }
    // A segment nobody or everybody is in would check nothing.
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(PROFILES);
    expect(await countSegment(t.prisma, shopId, tree, SEGMENT_CLOCK)).toBe(expected);
  });
});

describe("the generated shop", () => {
  it("is the same for the same seed and differs between profiles", () => {
    expect(generateProfile("s", 7, 10)).toEqual(generateProfile("s", 7, 10));
    expect(generateProfile("s", 7, 10).profile.properties).not.toEqual(generateProfile("s", 8, 10).profile.properties);
  });
});
