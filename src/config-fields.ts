import { z } from 'zod';

/** The field parsers of Beacon's environment schema (`src/config.ts`). */

/** Empty strings count as unset: `FOO=` in a Procfile env should not pass as a value. */
export const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
export const minutes = (def: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(def) : v),
    z.string().regex(/^\d+(\.\d+)?$/, 'must be a number of minutes, e.g. 10 or 0.5').transform(Number),
  );

export const userIdList = z.preprocess(
  (v) => (v === undefined || v === '' ? '' : v),
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((ids) => ids.every((id) => /^[UW][A-Z0-9]{2,}$/.test(id)), 'must be comma-separated Slack user IDs like U012ABCDEF'),
);

/**
 * INCIDENT_ROLES: lower-case role names, `lead` first (added when missing: `/incident lead` and
 * the first-to-acknowledge rule always exist), no repeats, at most 10 (the card has room for them).
 */
export const roleList = z.preprocess(
  (v) => (v === undefined || v === '' ? 'lead,comms,scribe' : v),
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))
    .refine((roles) => roles.length > 0 && roles.every((r) => /^[a-z][a-z0-9_-]{0,19}$/.test(r)), 'must be comma-separated role names like lead,comms,scribe (lower-case letters, digits, - or _)')
    .refine((roles) => new Set(roles).size === roles.length, 'must not name a role twice')
    .transform((roles) => (roles.includes('lead') ? ['lead', ...roles.filter((r) => r !== 'lead')] : ['lead', ...roles]))
    .refine((roles) => roles.length <= 10, 'must name at most 10 roles (lead included)'),
);

/** ANNOUNCE_SEVERITIES: `sev1,sev2` (also `1,2`). */
export const severityList = z.preprocess(
  (v) => (v === undefined || v === '' ? 'sev1,sev2' : v),
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim().toLowerCase().replace(/^(\d)$/, 'sev$1')).filter(Boolean))
    .refine((sevs) => sevs.length > 0 && sevs.every((x) => /^sev[1-4]$/.test(x)), 'must be comma-separated severities like sev1,sev2')
    .transform((sevs) => [...new Set(sevs)] as ('sev1' | 'sev2' | 'sev3' | 'sev4')[]),
);

/** `a,b=c` -> `[{ key: 'a' }, { key: 'b', value: 'c' }]`; blanks dropped. */
export const pairList = (what: string, valueOk: (v: string) => boolean = () => true) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? '' : v),
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => {
            const eq = x.indexOf('=');
            return eq === -1 ? { key: x } : { key: x.slice(0, eq).trim(), value: x.slice(eq + 1).trim() };
          }),
      )
      .refine((items) => items.every((i) => i.key && (i.value === undefined || (i.value && valueOk(i.value)))), `must be comma-separated ${what}`),
  );

/** `host:port,host:port` (Sentinels, Cluster nodes); IPv6 as `[::1]:26379`. */
export const hostPortList = z.preprocess(
  (v) => (v === undefined ? '' : v),
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((xs) => xs.every((x) => /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/.test(x)), 'must be comma-separated host:port entries')
    .transform((xs) =>
      xs.map((x) => {
        const i = x.lastIndexOf(':');
        return { host: x.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(x.slice(i + 1)) };
      }),
    ),
);

