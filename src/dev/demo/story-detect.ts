import { ChangeStore } from '../../changes/store.js';
import { hms } from './clock.js';
import type { Out } from './out.js';
import { waitFor } from './out.js';
import { probeAt } from './probe.js';
import { linesOf, openedChannel, type StoryChannel } from './slack.js';
import type { Demo } from './start.js';

export const ROTATION = {
  service: 'checkout',
  kind: 'credentials',
  summary: 'Rotate payment gateway API key during routine update',
  author: 'deploy-bot',
  version: 'v2024.06.03-1',
};

/**
 * 08:17:30 the probe passes; 08:18 the update rotates the gateway's key (checkout keeps the old
 * one); the probe fails at 08:18:30 and 08:19:00, raises its alert, and Beacon opens incident #1.
 */
export async function rotationCaught(demo: Demo, out: Out): Promise<{ probe: StoryChannel; rotationAt: Date }> {
  out.rule('08:17  the payment gateway probe');
  out.say("Beacon's worker asks the payment gateway \"do you accept our key?\" every 30 s: the checkout runbook's");
  out.say(`gateway-auth check, made a probe (every: 30s, open_after ${demo.openAfter}) in the demo's copy of the runbooks and pointed`);
  out.say(`at a stand-in gateway on ${new URL(demo.gateway.url).host}. The worker sends checkout's key, from PAYMENT_GATEWAY_TOKEN.`);
  await probeAt(demo, out, '08:17:30');

  out.rule('08:18  a routine update rotates the payment gateway API key');
  const rotationAt = demo.clock.advanceTo('08:18:00');
  demo.gateway.rotate();
  const change = { ...ROTATION, at: rotationAt.toISOString() };
  const res = await demo.post('/webhooks/changes', change);
  out.say(`POST /webhooks/changes  ${JSON.stringify(change)}  -> HTTP ${res.status}`);
  out.say('The gateway now wants the new key; checkout (and the probe) keep sending the old one.');
  const changes = new ChangeStore(demo.redis, demo.keys);
  await waitFor(async () => (await changes.between('checkout', rotationAt, demo.clock.now())).length > 0, 'the change recorded');

  out.rule('08:18:30  the probe fails');
  await probeAt(demo, out, '08:18:30');
  await probeAt(demo, out, '08:19:00');
  const probe = await openedChannel(demo, '#1', /payment-gateway/);
  const seconds = Math.round((probe.openedAt.getTime() - rotationAt.getTime()) / 1000);
  out.say(`${hms(probe.openedAt)}  Beacon opens incident #1, ${seconds} s after the rotation: #${probe.channel.name}`);
  out.say("         (it dates the incident from the probe's first failure). Its first messages:");
  for (const l of firstLines(demo, probe)) out.say(`           ${l}`);
  return { probe, rotationAt };
}

/** The card's title, the rotation in "what changed", step 1's result. */
function firstLines(demo: Demo, ch: StoryChannel): string[] {
  const pick = (re: RegExp) => linesOf(demo, ch, re)[0] ?? '(missing)';
  return [pick(/^━━ .*#\d/), pick(/Credentials change .* before the incident/), pick(/^Rotate payment gateway API key/), pick(/\*Step 1\*/)];
}

/** The 08:30 alert: successful transactions drop (also the playground's seed). */
export const TRANSACTION_ALERT = {
  title: 'Checkout: successful payment transactions dropped 60%',
  severity: 'critical',
  service: 'checkout',
  fingerprint: 'checkout-payment-success-rate',
  description: 'payment_success_rate fell from 99% to 38% in 5 minutes; gateway answers 401 to charge requests.',
  link: 'https://grafana.example.com/d/checkout/payments',
  labels: { team: 'payments', env: 'prod', alertname: 'PaymentSuccessRateLow' },
};

/** 08:30: monitoring's transaction alert fires. Its own group, so its own incident (#2). */
export async function transactionAlert(demo: Demo, out: Out, probe: StoryChannel): Promise<StoryChannel> {
  out.rule('08:30  monitoring fires: successful transactions drop');
  demo.clock.advanceTo('08:30:00');
  const alert = TRANSACTION_ALERT;
  const res = await demo.post('/webhooks/generic', alert);
  out.say(`POST /webhooks/generic  {"title":"${alert.title}","service":"checkout",…}  -> HTTP ${res.status}`);
  const ch = await openedChannel(demo, '#2', /successful-payment/);
  const ahead = Math.round((ch.openedAt.getTime() - probe.openedAt.getTime()) / 60_000);
  out.say(`${hms(ch.openedAt)}  Beacon opens incident #2 in #${ch.channel.name}:`);
  out.say('         a different alert group (generic:checkout, not the probe\'s), so a second incident. Its');
  out.say(`         "what changed" names the same rotation. The probe's incident #1 had been open since ${hms(probe.openedAt).slice(0, 5)},`);
  out.say(`         ${ahead} minutes earlier, with the rotation and the 401 on screen; in the seed, 08:30 was the first anyone knew.`);
  return ch;
}
