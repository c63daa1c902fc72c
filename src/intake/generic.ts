import { z } from 'zod';
import type { Alert, IntakeResult } from '../domain.js';
import { severityFromWord } from '../domain.js';
import { httpUrl, isoTime, line, oneLine, shortHash, stringMap, toIso } from './common.js';

const severityWords = ['sev1', 'sev2', 'sev3', 'sev4', 'critical', 'high', 'warning', 'info'] as const;

/** One alert in Beacon's own schema (README, "Generic alerts"). */
export const genericAlertSchema = z
  .object({
    title: line(500),
    status: z.enum(['firing', 'resolved']).default('firing'),
    severity: z.enum(severityWords).default('sev3'),
    service: line(200).optional(),
    fingerprint: line(300).optional(),
    group: line(300).optional(),
    description: z.string().max(20_000).optional(),
    link: httpUrl.optional(),
    labels: stringMap.optional(),
    startsAt: isoTime.optional(),
  })
  .strict();

const genericListSchema = z.object({ alerts: z.array(genericAlertSchema).min(1).max(1000) }).strict();

export type GenericBody = z.infer<typeof genericListSchema> | z.infer<typeof genericAlertSchema>;

/**
 * One object or `{"alerts": [...]}`. Picked by the presence of `alerts` rather than a zod
 * union, so that a bad field is named precisely instead of "no union member matched".
 */
export function parseGeneric(body: unknown) {
  const isList = typeof body === 'object' && body !== null && 'alerts' in body;
  return isList ? genericListSchema.safeParse(body) : genericAlertSchema.safeParse(body);
}

export function normalizeGeneric(body: GenericBody, now: Date): IntakeResult {
  const items = 'alerts' in body ? body.alerts : [body];
  const alerts: Alert[] = items.map((a) => {
    const service = a.service;
    const title = oneLine(a.title);
    const fingerprint = a.fingerprint ?? shortHash('generic', title, service ?? '');
    const group = `generic:${a.group ?? service ?? fingerprint}`;
    const startsAt = toIso(a.startsAt, now);
    return {
      source: 'generic',
      fingerprint,
      group,
      status: a.status,
      title,
      severity: severityFromWord(a.severity),
      ...(service ? { service } : {}),
      ...(a.description ? { description: a.description } : {}),
      ...(a.link ? { link: a.link } : {}),
      labels: a.labels ?? {},
      startsAt,
      ...(a.status === 'resolved' ? { endsAt: now.toISOString() } : {}),
    };
  });
  return { alerts };
}
