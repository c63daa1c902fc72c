/** The ids and timestamps Slack hands out, in the shapes Slack gives them. */
import { randomInt } from 'node:crypto';

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomId(prefix: string, length: number, alphabet = ALNUM_UPPER): string {
  let out = prefix;
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Ids Slack generates for blocks and elements that lack one look like `Hc/4F` or `=Qo`: short and
 * full of characters that break naive parsing. The simulator makes the same kind on purpose.
 */
export function slackGeneratedId(): string {
  return randomId('', 3 + randomInt(3), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=');
}

/** ts values are `seconds.micro`; as one bigint they compare and order exactly. */
export function tsKey(ts: string): bigint | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts.trim());
  if (!m) return undefined;
  return BigInt(m[1] ?? '0') * 1_000_000n + BigInt((m[2] ?? '0').padEnd(6, '0'));
}

export function tsFromKey(key: bigint): string {
  return `${key / 1_000_000n}.${(key % 1_000_000n).toString().padStart(6, '0')}`;
}

export function tsSeconds(ts: string): number {
  return Number(ts.split('.')[0]);
}
