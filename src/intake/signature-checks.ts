import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureCheck } from '../http/webhooks.js';
import { verifyGrafanaSignature, verifyPagerDutySignature } from './signatures.js';

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Signature checks for the senders whose secret is configured. A request that carries a
 * signature must carry a valid one; one that carries none falls back to the webhook token.
 */
export function signatureChecks(secrets: { pagerduty?: string; grafana?: string }): { pagerduty?: SignatureCheck; grafana?: SignatureCheck } {
  const out: { pagerduty?: SignatureCheck; grafana?: SignatureCheck } = {};
  if (secrets.pagerduty) {
    const secret = secrets.pagerduty;
    out.pagerduty = (raw: Buffer, headers: IncomingHttpHeaders) => {
      const sig = one(headers['x-pagerduty-signature']);
      if (!sig) return 'absent';
      return verifyPagerDutySignature(raw, sig, secret) ? 'valid' : 'invalid';
    };
  }
  if (secrets.grafana) {
    const secret = secrets.grafana;
    out.grafana = (raw: Buffer, headers: IncomingHttpHeaders) => {
      const signature = one(headers['x-grafana-alerting-signature']);
      if (!signature) return 'absent';
      const timestamp = one(headers['x-grafana-alerting-signature-timestamp']);
      return verifyGrafanaSignature(raw, { signature, ...(timestamp ? { timestamp } : {}) }, secret) ? 'valid' : 'invalid';
    };
  }
  return out;
}
