// better-sqlite3 answers synchronously: a worker's chain of awaited queries must still let the same process's web
// requests in (app/db/adapters.server.ts, yieldingToTheEventLoop), without ever letting them into a transaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const QUERIES = 3_000; // tens of milliseconds of back-to-back queries, several slices

describe("SQLite client and the event loop", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite");
    await db.prisma.shop.create({ data: { domain: "turns.myshopify.com", name: "Turns" } });
  });
  afterAll(() => db?.cleanup());

  /** Runs `queries` while an I/O-phase callback (setImmediate, as a request's socket read) waits; returns when it ran. */
  async function whenTheWaitingCallbackRan(queries: (done: () => number) => Promise<void>) {
    let done = 0;
    let ranAfter = -1;
    setImmediate(() => (ranAfter = done));
    await queries(() => ++done);
    await new Promise((resolve) => setImmediate(resolve));
    return { ranAfter, done };
  }

  it("gives the event loop a turn during a long chain of queries", async () => {
    const { ranAfter, done } = await whenTheWaitingCallbackRan(async (count) => {
      for (let i = 0; i < QUERIES; i++) {
        await db.prisma.shop.count();
        count();
      }
    });
    expect(done).toBe(QUERIES);
    expect(ranAfter).toBeGreaterThanOrEqual(0);
    expect(ranAfter).toBeLessThan(QUERIES);
  });

  it("never hands the turn over inside a transaction, whose queries share the one connection", async () => {
    let done = 0;
    let ranAfter = -1;
    await db.prisma.$transaction(
      async (tx) => {
        await tx.shop.count();
        // Waiting from inside the transaction: it must not get in before the transaction ends.
        setImmediate(() => (ranAfter = done));
        for (let i = 0; i < QUERIES; i++) {
          await tx.shop.count();
          done++;
        }
      },
      { timeout: 60_000 },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(QUERIES);
    expect(ranAfter).toBe(QUERIES);
  });
});
