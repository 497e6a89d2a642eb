import type { Db } from "../db/client.server";
import type { FlowDefinition } from "../domain/flows/definition";
import { exitReason, runContext } from "../domain/flows/engine";
import { parseRunState } from "../domain/flows/run";
import { storedDefinition } from "./flow-definitions.server";
import { loadFlowFacts } from "./flow-facts.server";

/**
 * The flow runs, among `runIds`, whose journey is over for their queued emails, with why: the run exited, or one of
 * its flow's exit rules holds now though no worker has advanced the run since (an order stored a moment ago; a run
 * whose worker was killed under its lease; a run that completed on the email itself). Checked before every send
 * attempt, so a cart reminder held back by a Resend outage, or queued just before the order came in, stays unsent.
 */
export async function journeysOver(db: Db, runIds: string[], now: Date): Promise<Map<string, string>> {
  const over = new Map<string, string>();
  if (runIds.length === 0) return over;
  const runs = await db.flowRun.findMany({
    where: { id: { in: runIds } },
    select: { id: true, shopId: true, profileId: true, status: true, exitReason: true, state: true, flowVersion: { select: { definition: true } } },
  });
  for (const run of runs) {
    if (run.status === "exited") {
      over.set(run.id, run.exitReason ?? "exited");
      continue;
    }
    const state = parseRunState(run.state);
    let definition: FlowDefinition;
    try {
      definition = storedDefinition(run.flowVersion.definition);
    } catch {
      continue; // the worker fails such a run; its email is not this check's to judge
    }
    if (!state.ok || definition.exits.length === 0) continue;
    const facts = await loadFlowFacts(db, run.shopId, run.profileId, definition, now, { since: new Date(state.value.startedAt) });
    const reason = facts ? exitReason(definition, runContext(state.value, facts, now)) : null;
    if (reason) over.set(run.id, reason);
  }
  return over;
}
