// Preset flows switched on and off: each live flow points at a FlowVersion holding its definition as data.
import { isDeepStrictEqual } from "node:util";
import type { Db, DbOrTx, Prisma } from "../db/client.server";
import { parseFlowDefinition, type FlowDefinition } from "../domain/flows/definition";
import { findPreset, type FlowPreset } from "../domain/flows/presets";

/**
 * Makes the shop's preset flow live on the preset's definition: version 1 the first time, a new version when the
 * definition changed since the current one (runs keep finishing on the version they started), otherwise the same.
 */
export async function switchOnPreset(db: Db, shopId: string, preset: FlowPreset) {
  const entry = findPreset(preset);
  if (!entry) throw new Error(`unknown preset: ${preset}`);
  const definition = entry.definition as FlowDefinition;
  return db.$transaction(async (tx) => {
    const flow = await tx.flow.upsert({
      where: { shopId_preset: { shopId, preset } },
      create: { shopId, preset, name: entry.name, status: "draft" },
      update: {},
    });
    const version = await ensureVersion(tx, shopId, flow.id, flow.currentVersionId, definition);
    return tx.flow.update({ where: { id: flow.id }, data: { status: "live", currentVersionId: version.id } });
  });
}

/** Pauses the shop's preset flow: nothing new enters; runs already under way are left as they are. */
export async function switchOff(db: DbOrTx, shopId: string, preset: FlowPreset) {
  await db.flow.updateMany({ where: { shopId, preset }, data: { status: "paused" } });
}

async function ensureVersion(tx: DbOrTx, shopId: string, flowId: string, currentVersionId: string | null, definition: FlowDefinition) {
  const current = currentVersionId ? await tx.flowVersion.findUnique({ where: { id: currentVersionId } }) : null;
  if (current && isDeepStrictEqual(JSON.parse(JSON.stringify(current.definition)), JSON.parse(JSON.stringify(definition)))) {
    return current;
  }
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
