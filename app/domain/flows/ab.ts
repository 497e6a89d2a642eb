/** Deterministic assignment: the same profile always lands in the same variant and the same holdout group. */

/** A stable 32-bit hash of the parts: FNV-1a over the joined text, then murmur3's finaliser to spread the bits. */
export function stableHash(...parts: string[]): number {
  const text = parts.join("\u0000");
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable number in [0, 1) for the parts. */
export function stableFraction(...parts: string[]): number {
  return stableHash(...parts) / 2 ** 32;
}

/** The variant for a profile at an A/B step, chosen in proportion to the weights. */
export function chooseVariant(
  variants: readonly { id: string; weight: number }[],
  key: { flowId: string; stepId: string; profileId: string },
): string {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  const point = stableFraction("ab", key.flowId, key.stepId, key.profileId) * total;
  let upTo = 0;
  for (const variant of variants) {
    upTo += variant.weight;
    if (point < upTo) return variant.id;
  }
  return variants[variants.length - 1]?.id ?? "";
}

/** Whether a profile is in a flow's holdout group; per (flow, profile), so re-entries keep the group. */
export function isHoldout(percent: number, key: { flowId: string; profileId: string }): boolean {
  if (percent <= 0) return false;
  return stableFraction("holdout", key.flowId, key.profileId) * 100 < percent;
}
