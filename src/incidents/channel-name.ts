/**
 * Incident channel names: `<prefix>-<yyyymmdd>-<slug>` (UTC date), lower case, at most 80
 * characters, only the characters Slack allows; the n-th try of a taken name ends in `-n`.
 */
export const MAX_CHANNEL_NAME = 80;

export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'incident';
}

export function channelName(prefix: string, at: Date, title: string, attempt = 1): string {
  const date = at.toISOString().slice(0, 10).replace(/-/g, '');
  const suffix = attempt > 1 ? `-${attempt}` : '';
  const head = `${prefix}-${date}-`;
  const room = MAX_CHANNEL_NAME - head.length - suffix.length;
  const slug = slugify(title).slice(0, Math.max(1, room)).replace(/-+$/g, '');
  return `${head}${slug || 'incident'}${suffix}`;
}
