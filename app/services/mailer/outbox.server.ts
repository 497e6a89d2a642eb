// The local outbox (demo and development): nothing leaves the machine. deliverQueued records the email as sent with
// provider "outbox"; its rendered HTML and text stay on the Message row, where /app/outbox shows them.
import { createHash } from "node:crypto";
import type { Mailer, SendResult } from "./types";

export const OUTBOX_PROVIDER = "outbox";

/** A Mailer that accepts every email at once; the id is derived from the email's key, so a retry gets the same one. */
export function createOutboxMailer(): Mailer {
  return {
    name: OUTBOX_PROVIDER,
    maxBatchSize: 100,
    async send(batch) {
      return batch.map(
        (email): SendResult => ({
          status: "sent",
          providerMessageId: `outbox_${createHash("sha256").update(`${email.shopId}\n${email.idempotencyKey}`).digest("hex").slice(0, 24)}`,
        }),
      );
    },
  };
}
