import type { Db } from "../db/client.server";
import { Prisma } from "../db/client.server";
import { acceptInboxEntry, type NewInboxEntry } from "./inbox.server";

/**
 * Group commit for the inbox: deliveries arriving within `maxWaitMs` of each other are written in one
 * statement, and each request is answered once its row is durable. A batch that hits a duplicate key
 * (a redelivery racing its twin) falls back to one insert per entry, where duplicates are no-ops.
 */
export function createInboxWriter(db: Db, { maxBatch = 250, maxWaitMs = 2 } = {}) {
  let queue: Array<{ entry: NewInboxEntry; done: (error?: unknown) => void }> = [];
  let timer: NodeJS.Timeout | null = null;

  async function flush() {
    timer = null;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      await db.inboxEntry.createMany({ data: batch.map((b) => b.entry) });
      for (const b of batch) b.done();
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) {
        for (const b of batch) b.done(error);
        return;
      }
      for (const b of batch) {
        await acceptInboxEntry(db, b.entry).then(() => b.done(), (e: unknown) => b.done(e));
      }
    }
  }

  return {
    /** Resolves when the entry (or its earlier twin) is stored. */
    write(entry: NewInboxEntry): Promise<void> {
      return new Promise((resolve, reject) => {
        queue.push({ entry, done: (error) => (error ? reject(error) : resolve()) });
        if (queue.length >= maxBatch) void flush();
        else timer ??= setTimeout(() => void flush(), maxWaitMs);
      });
    },
  };
}
