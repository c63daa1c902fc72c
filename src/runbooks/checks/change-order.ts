/**
 * Which recorded changes matter first. The `recent_changes` check leads its summary with them,
 * and the "what changed" message lists them in the same order, so both live here.
 */
import type { ChangeEvent, ChangeKind } from '../../domain.js';

/** Change kinds that are called out first: the ones that bit us (wrong credentials after an update). */
export const RISKY_CHANGE_KINDS: readonly ChangeKind[] = ['credentials', 'config'];

/** A credentials or config change. */
export const isRiskyChange = (c: Pick<ChangeEvent, 'kind'>): boolean => RISKY_CHANGE_KINDS.includes(c.kind);

/**
 * Credentials and config changes first, then the rest; newest first within each group.
 * Changes without a parsable time keep their relative order at the end of their group.
 */
export function orderChanges(changes: readonly ChangeEvent[]): ChangeEvent[] {
  const time = (c: ChangeEvent) => {
    const t = Date.parse(c.at);
    return Number.isNaN(t) ? -Infinity : t;
  };
  return changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(isRiskyChange(b.c)) - Number(isRiskyChange(a.c)) || time(b.c) - time(a.c) || a.i - b.i)
    .map(({ c }) => c);
}
