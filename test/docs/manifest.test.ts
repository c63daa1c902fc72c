import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { SIGN_IN_SCOPES } from '../../src/web/auth/oidc.js';
import type { TestBeacon } from '../support/beacon.js';
import { SPECS, granted, manifest, startRepresentative, scopesNeeded as needed } from './representative-run.js';

/**
 * Issue 13, done when 2: the manifest's bot scopes are exactly the scopes Beacon needs. A full
 * incident runs against the simulator (public and private, announce channel, roles, a pin, a
 * summary, the postmortem, and the crash path that finds a channel again); each method the
 * simulator saw needs one of the bot scopes its Slack reference page lists (read here as data from
 * the shared copy of those pages), the one for the conversation's type (`channels:*` public,
 * `groups:*` private). Every call must be allowed by a manifest scope, and every manifest scope
 * must be the only one allowing some call (or be required by the slash command or an event).
 *
 * Issue 15: and the manifest is one Slack accepts: it validates against Slack's own app-manifest
 * JSON Schema (github.com/slackapi/manifest-schema, in the shared specs).
 */

/** The scopes Slack requires for an event subscription (`reaction_added` is `reaction.added`), from the Events API spec. */
function eventScopes(event: string): string[] {
  const spec = JSON.parse(readFileSync(`${SPECS}/slack_events_api_async_v1.json`, 'utf8')) as { topics: Record<string, { subscribe?: { 'x-scopes-required'?: string[] } }> };
  return spec.topics[event.replace(/_/g, '.')]?.subscribe?.['x-scopes-required'] ?? [];
}

/** Slack's manifest schema: the top level picks 1.0.0 or 2.0.0 by `_metadata.major_version`, by URL. */
function manifestValidator() {
  const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (o: object) => {
    addFormat(name: string, test: (s: string) => boolean): void;
    addSchema(schema: object, key: string): void;
    compile(schema: object): ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
  };
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', (s) => URL.canParse(s));
  const read = (f: string) => JSON.parse(readFileSync(`${SPECS}/${f}`, 'utf8')) as object;
  const top = read('manifest.schema.json');
  // The versions are referenced by their published URL; the shared copies stand in for them.
  for (const ref of new Set(JSON.stringify(top).match(/https:[^"]+manifest\.schema\.\d\.\d\.\d\.json/g))) ajv.addSchema(read(ref.slice(ref.lastIndexOf('/') + 1)), ref);
  return ajv.compile(top);
}

describe("the manifest against Slack's app-manifest schema", () => {
  const validate = manifestValidator();
  const errors = (m: unknown) => (validate(m) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`));

  it('is valid', () => {
    expect(errors(manifest)).toEqual([]);
  });

  it('would be refused with a field Slack does not know, or without a required one (the check bites)', () => {
    const copy = () => structuredClone(manifest) as unknown as Record<string, Record<string, unknown>>;
    const extra = copy();
    extra.settings!.page_size = 10;
    expect(errors(extra)).toContain('/settings must NOT have additional properties');
    const noName = copy();
    delete (noName.display_information as Record<string, unknown>).name;
    expect(errors(noName).join('\n')).toMatch(/display_information must have required property 'name'/);
  });
});

describe('the manifest asks for exactly the scopes Beacon uses', () => {
  let sim: SlackSimulator;
  let b: TestBeacon;

  beforeAll(async () => {
    ({ sim, b } = await startRepresentative(granted));
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  it('allows every call Beacon made', () => {
    expect(sim.calls.filter((c) => c.error === 'missing_scope').map((c) => `${c.method} ${JSON.stringify(c.params).slice(0, 80)}`)).toEqual([]);
    const refused = sim.calls.flatMap((c) => needed(c, sim).filter((anyOf) => !anyOf.some((s) => granted.includes(s))).map((anyOf) => `${c.method} needs one of ${anyOf.join(', ')}`));
    expect([...new Set(refused)]).toEqual([]);
  });

  it('asks for no scope nothing needs', () => {
    const byCommandsAndEvents = new Set([
      ...(manifest.features.slash_commands?.length ? ['commands'] : []),
      ...(manifest.settings.event_subscriptions?.bot_events ?? []).flatMap(eventScopes),
    ]);
    const soleProvider = new Set(
      sim.calls.flatMap((c) => needed(c, sim).flatMap((anyOf) => {
        const have = anyOf.filter((s) => granted.includes(s));
        return have.length === 1 ? have : [];
      })),
    );
    expect(granted.filter((s) => !byCommandsAndEvents.has(s) && !soleProvider.has(s))).toEqual([]);
    expect(new Set(granted).size).toBe(granted.length);
  });

  it('asks for the private-channel scopes because private incidents use them', () => {
    expect(granted).toEqual(expect.arrayContaining(['groups:write', 'groups:read', 'groups:history']));
  });
});

describe('the manifest sets up Sign in with Slack as Beacon uses it', () => {
  const oauth = (parse(readFileSync('manifest.yml', 'utf8')) as { oauth_config: { redirect_urls?: string[]; scopes: { user?: string[] } } }).oauth_config;

  it("asks for exactly the user scopes the sign-in requests, openid.connect.userInfo's among them", () => {
    expect([...(oauth.scopes.user ?? [])].sort()).toEqual([...SIGN_IN_SCOPES].sort());
    const page = JSON.parse(readFileSync(`${SPECS}/docs-methods/openid.connect.userInfo.json`, 'utf8')) as { scopes?: { user?: { name: string }[] } };
    expect(page.scopes?.user?.length).toBeGreaterThan(0);
    for (const s of page.scopes?.user ?? []) expect(oauth.scopes.user).toContain(s.name);
  });

  it('registers the callback Beacon sends as redirect_uri, on the host of its request URLs', () => {
    expect(oauth.redirect_urls).toEqual(['https://beacon.example.com/auth/slack/callback']);
    expect(new URL(oauth.redirect_urls![0]!).host).toBe(new URL((manifest.features.slash_commands as { url: string }[])[0]!.url).host);
  });
});
