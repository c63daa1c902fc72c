import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { listProbes, type Probe } from '../../probes/service.js';
import { loadRunbooks } from '../../runbooks/load.js';

/** The shipped runbooks; the demo never edits them. */
const SHIPPED = fileURLToPath(new URL('../../../runbooks/', import.meta.url));
const FILE = 'checkout-payments.md';
export const PROBE = { runbook: 'checkout-payments', check: 'gateway-auth' } as const;

/**
 * A copy of the shipped runbooks in a temp folder, for RUNBOOKS_DIR, in which the checkout
 * runbook's `gateway-auth` check asks the stand-in gateway (`url`) and is a probe
 * (`every: 30s`, `title: payment gateway`). Everything else is as shipped.
 */
export function writeDemoRunbooks(gatewayUrl: string): { dir: string; probe: Probe; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-demo-runbooks-'));
  cpSync(SHIPPED, dir, { recursive: true });
  const path = join(dir, FILE);
  writeFileSync(path, withProbe(readFileSync(path, 'utf8'), gatewayUrl));
  const loaded = loadRunbooks(dir);
  const probe = listProbes(loaded.runbooks).find((p) => p.runbook.name === PROBE.runbook && p.checkName === PROBE.check);
  const bad = loaded.problems.filter((p) => p.severity === 'error');
  if (!probe || (probe.check as { url?: string }).url !== gatewayUrl || bad.length) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`demo: the runbook copy has no ${PROBE.runbook}:${PROBE.check} probe${bad.length ? `: ${bad.map((p) => `${p.file}:${p.line} ${p.message}`).join('; ')}` : ''}`);
  }
  return { dir, probe, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The runbook's text with the check's front matter changed (comments and steps kept). */
function withProbe(source: string, url: string): string {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(source);
  if (!m) throw new Error(`demo: ${FILE} has no front matter`);
  const front = parseDocument(m[1]!);
  const at = ['checks', PROBE.check];
  if (front.getIn([...at, 'type']) !== 'http') throw new Error(`demo: ${FILE} has no http check ${PROBE.check}`);
  front.setIn([...at, 'url'], url);
  front.setIn([...at, 'every'], '30s');
  front.setIn([...at, 'title'], 'payment gateway');
  return `---\n${front.toString().trimEnd()}\n---\n${source.slice(m[0].length)}`;
}
