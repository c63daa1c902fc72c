import { z } from 'zod';
import { ok, refuse, type Result } from '../../result.js';
import { INCIDENT_STATUSES, SEVERITIES } from '../../domain.js';
import { isOpen, type Incident } from '../../incidents/model.js';

/** The list's filters, as the GET form sends them. An empty field is no filter. */
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

export const STATUS_FILTERS = ['open', ...INCIDENT_STATUSES] as const;
export const KINDS = ['incident', 'drill'] as const;

const listQuerySchema = z.object({
  status: z.preprocess(blank, z.enum(STATUS_FILTERS).optional()),
  severity: z.preprocess(blank, z.enum(SEVERITIES).optional()),
  service: z.preprocess(blank, z.string().max(200).optional()),
  kind: z.preprocess(blank, z.enum(KINDS).optional()),
  q: z.preprocess((v) => blank(typeof v === 'string' ? v.trim() : v), z.string().max(200).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).optional()),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

/** The known parameters of the URL (the first of each), checked; unknown ones are ignored. */
export function parseListQuery(url: URL): Result<ListQuery> {
  const raw = Object.fromEntries(Object.keys(listQuerySchema.shape).map((k) => [k, url.searchParams.get(k)]));
  const parsed = listQuerySchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'query', message: i.message }));
  return refuse('That filter is not one Beacon knows', { issues });
}

/** The query as URL parameters (for the pager's links), without `page` and empty filters. */
export function queryParams(q: ListQuery, page?: number): string {
  const p = new URLSearchParams();
  for (const k of ['q', 'status', 'severity', 'service', 'kind'] as const) if (q[k]) p.set(k, String(q[k]));
  if (page && page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Drills are practice: listed only when asked for (`kind=drill`), never among the incidents. */
export const ofKind = (all: readonly Incident[], kind: ListQuery['kind']): Incident[] => all.filter((i) => (kind === 'drill' ? !!i.drill : !i.drill));

function matches(i: Incident, q: ListQuery, needle: string | undefined): boolean {
  if ((q.kind === 'drill') !== !!i.drill) return false;
  if (q.status === 'open' ? !isOpen(i) : q.status && i.status !== q.status) return false;
  if (q.severity && i.severity !== q.severity) return false;
  if (q.service && i.service !== q.service) return false;
  if (needle && !i.title.toLowerCase().includes(needle) && `#${i.number}` !== needle && String(i.number) !== needle) return false;
  return true;
}

/** The incidents of the kind asked for that pass the filters, open first, then newest first. */
export function filterIncidents(all: readonly Incident[], q: ListQuery): Incident[] {
  const needle = q.q?.toLowerCase();
  const created = (i: Incident) => Date.parse(i.createdAt) || 0;
  return all
    .filter((i) => matches(i, q, needle))
    .sort((a, b) => Number(isOpen(b)) - Number(isOpen(a)) || created(b) - created(a) || b.number - a.number);
}
