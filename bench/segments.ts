import { createPrismaClient, type Db } from "../app/db/client.server";
import { countSegment } from "../app/models/segment-query.server";
import { ensureShop } from "../app/models/shop.server";
import { createTestDatabase, type TestDatabase } from "../tests/helpers/db";
import { bulkWriter, type BulkRow, type BulkWriter } from "./bulk-insert";
import { timeCalls, timingRow } from "./dashboard-table";
import { printTable, type Row } from "./lib";
import { generateProfile, SEGMENT_CLOCK, SEGMENT_NOW } from "./segment-data";
import { BENCH_SEGMENTS } from "./segment-trees";

/**
 * npm run bench:segments [-- --scale 0.01] — one shop with 1,000,000 profiles and about 10,000,000 events (seeded:
 * the same every run) on a fresh SQLite file and a fresh PostgreSQL schema; times the app's countSegment on five
 * typical segments against a ceiling from the same run and database: one indexed COUNT of the shop's Opened Email
 * events of the last 30 days. Targets: < 1 s on PostgreSQL, < 3 s on SQLite.
 */
const scaleAt = process.argv.indexOf("--scale");
const SCALE = scaleAt > 0 ? Number(process.argv[scaleAt + 1]) : 1;
if (!(SCALE > 0 && SCALE <= 1)) throw new Error(`--scale takes a number above 0 and at most 1 (got ${process.argv[scaleAt + 1]})`);
const PROFILES = Math.round(1_000_000 * SCALE);
const EVENTS_PER_PROFILE = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = { sqlite: 3_000, postgresql: 1_000 } as const;
const CHUNK = 2_000;

/** Writes the shop's profiles and events, a chunk of profiles at a time so memory stays flat; returns the event count. */
export async function loadSegmentShop(db: Db, w: BulkWriter, profiles: number): Promise<{ shopId: string; events: number }> {
  const shop = await ensureShop(db, "bench-segments.myshopify.com", new Date(SEGMENT_NOW.getTime() - 2 * 365 * 86_400_000));
  let events = 0;
  for (let start = 0; start < profiles; start += CHUNK) {
    const people: BulkRow[] = [];
    const their: BulkRow[] = [];
    for (let i = start; i < Math.min(profiles, start + CHUNK); i++) {
      const g = generateProfile(shop.id, i, EVENTS_PER_PROFILE);
      people.push(g.profile);
      their.push(...g.events);
    }
    await w.insert("Profile", people);
    await w.insert("Event", their);
    events += their.length;
  }
  return { shopId: shop.id, events };
}

/** Median and 95th percentile of RUNS timed calls after one untimed warm-up. */
const time = (fn: () => Promise<unknown>) => timeCalls(fn, RUNS, 1);

async function measure(database: TestDatabase, label: string): Promise<Row[]> {
  const started = Date.now();
  const writer = await bulkWriter(database);
  const { shopId, events } = await loadSegmentShop(database.prisma, writer, PROFILES);
  await writer.close();
  console.error(`${label}: ${PROFILES} profiles, ${events} events generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // Fresh statistics, as the databases' own maintenance (autovacuum, ANALYZE) would have them on a live shop.
  await database.prisma.$executeRawUnsafe(database.provider === "sqlite" ? "ANALYZE" : 'ANALYZE "Profile", "Event"');
  const db = createPrismaClient(database.url);
  try {
    const since = new Date(SEGMENT_NOW.getTime() - 30 * 86_400_000);
    const ceiling = await time(() => db.event.count({ where: { shopId, name: "Opened Email", occurredAt: { gte: since } } }));
    const rows: Row[] = [];
    for (const segment of BENCH_SEGMENTS) {
      const members = await countSegment(db, shopId, segment.tree, SEGMENT_CLOCK);
      const timing = await time(() => countSegment(db, shopId, segment.tree, SEGMENT_CLOCK));
      console.error(`${label}, ${segment.name}: ${members} members, median ${timing.median.toFixed(0)} ms`);
      rows.push(timingRow(`count "${segment.name}", ${label}`, timing, ceiling, TARGET_MS[database.provider]));
    }
    return rows;
  } finally {
    await db.$disconnect();
  }
}

async function main() {
  const rows: Row[] = [];
  for (const [provider, label] of [["sqlite", "SQLite"], ["postgresql", "PostgreSQL"]] as const) {
    const database = await createTestDatabase(provider);
    try {
      rows.push(...(await measure(database, label)));
    } finally {
      await database.cleanup();
    }
  }
  printTable(`Segment counts: one shop, ${PROFILES} profiles, ~${PROFILES * EVENTS_PER_PROFILE} events; median of ${RUNS} (p95)`, rows);
}

if (process.argv[1]?.endsWith("segments.ts")) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
