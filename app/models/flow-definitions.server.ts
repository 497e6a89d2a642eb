// Preset flows switched on and off: each live flow points at a FlowVersion holding its definition as data.
import type { Db, DbOrTx, Prisma } from "../db/client.server";
import { parseFlowDefinition, type FlowDefinition } from "../domain/flows/definition";
import { findPreset, type FlowPreset } from "../domain/flows/presets";

/**
 * Makes the shop's preset flow live. A flow that has a version keeps it, edited emails included: the preset's
 * definition is only the starting point, version 1, of a flow that has none yet.
 */
export async function switchOnPreset(db: Db, shopId: string, preset: FlowPreset) {
  const entry = findPreset(preset);
  if (!entry) throw new Error(`unknown preset: ${preset}`);
  return db.$transaction(async (tx) => {
    await tx.flow.upsert({
      where: { shopId_preset: { shopId, preset } },
      create: { shopId, preset, name: entry.name, status: "draft" },
      update: {},
    });
    // The update locks the row, so an email edit saved meanwhile is seen here and kept.
    const flow = await tx.flow.update({ where: { shopId_preset: { shopId, preset } }, data: { status: "live" } });
    if (flow.currentVersionId) return flow;
    const version = await createVersion(tx, shopId, flow.id, entry.definition as FlowDefinition);
    return tx.flow.update({ where: { id: flow.id }, data: { currentVersionId: version.id } });
  });
}

/** Pauses the shop's preset flow: nothing new enters; runs already under way are left as they are. */
export async function switchOff(db: DbOrTx, shopId: string, preset: FlowPreset) {
  await db.flow.updateMany({ where: { shopId, preset }, data: { status: "paused" } });
}

/**
 * Stores `definition` as the flow's next version number. Versions are never changed afterwards: runs in flight
 * keep reading theirs. Two writers racing for one number meet the (flowId, version) unique key; one fails.
 */
export async function createVersion(tx: DbOrTx, shopId: string, flowId: string, definition: FlowDefinition) {
  const latest = await tx.flowVersion.findFirst({ where: { flowId }, orderBy: { version: "desc" }, select: { version: true } });
  return tx.flowVersion.create({
    data: { shopId, flowId, version: (latest?.version ?? 0) + 1, definition: definition as unknown as Prisma.InputJsonValue },
  });
}

/** A stored definition, validated; throws on a row that no longer parses (a bug or a hand edit). */
export function storedDefinition(json: unknown): FlowDefinition {
  const parsed = parseFlowDefinition(json);
  if (!parsed.ok) throw new Error(`invalid stored flow definition: ${parsed.error}`);
  return parsed.value;
}
