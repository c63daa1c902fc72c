/**
 * A small in-memory cache of computed values. A value is fresh for `ttlMs`: repeated views of a
 * page within that time cost nothing, and concurrent first views share one computation. After
 * that, for up to `staleMs` more, the old value is still answered at once while one computation
 * runs in the background, so no viewer waits for a refresh; older than that, the viewer waits
 * for a new one. A failed computation is never kept (the old value stays until it is too old).
 * Keys are few (the page's validated parameters), so nothing else bounds the map.
 */
interface Entry<V> {
  at: number;
  value: Promise<V>;
  /** A background refresh under way. */
  refreshing?: boolean;
}

export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly staleMs = 0,
  ) {}

  get(key: K, compute: () => Promise<V>): Promise<V> {
    const t = this.now();
    const hit = this.entries.get(key);
    const age = hit ? t - hit.at : Infinity;
    if (hit && age >= 0 && age < this.ttlMs) return hit.value;
    if (hit && age >= 0 && age < this.ttlMs + this.staleMs) {
      if (!hit.refreshing) this.refresh(key, hit, compute);
      return hit.value;
    }
    return this.start(key, compute, t);
  }

  private start(key: K, compute: () => Promise<V>, t: number): Promise<V> {
    const value = compute();
    this.entries.set(key, { at: t, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  private refresh(key: K, hit: Entry<V>, compute: () => Promise<V>): void {
    hit.refreshing = true;
    const t = this.now();
    compute().then(
      (v) => {
        if (this.entries.get(key) === hit) this.entries.set(key, { at: t, value: Promise.resolve(v) });
      },
      () => {
        hit.refreshing = false;
      },
    );
  }

  clear(): void {
    this.entries.clear();
  }
}
