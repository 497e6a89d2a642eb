/**
 * A per-process cache with a time to live, for rows hot paths read on every delivery and that change rarely (the
 * shop, its scoring rules). Changes made in this process forget the entry at once; other processes see them within
 * the time to live.
 */
export function processCache<V>(ttlMs: number, maxEntries = 10_000) {
  const entries = new Map<string, { at: number; value: V }>();
  return {
    async get(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
      const hit = entries.get(key);
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = await load();
      if (entries.size > maxEntries) entries.clear();
      entries.set(key, { at: now, value });
      return value;
    },
    forget(key: string) {
      entries.delete(key);
    },
  };
}
