import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probeSettings } from '../../src/runbooks/checks/index.js';
import { parseRunbook, runbookSchema, type RunbookProblem } from '../../src/runbooks/format.js';
import { slackMention } from '../../src/slack/blocks/user-text.js';

/** A runbook file from front matter lines and body lines. */
function file(front: string[], body: string[] = ['', '- [ ] Look at the logs']): string {
  return ['---', ...front, '---', ...body, ''].join('\n');
}

const base = ['name: api', 'title: API down', 'match:', '  service: api'];

/** `line: message` of every problem, warnings marked, for compact assertions. */
function problems(text: string): string[] {
  return parseRunbook(text, 'x.md').problems.map(
    (p: RunbookProblem) => `${p.line}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`,
  );
}

describe('parseRunbook', () => {
  it('parses a full runbook, normalizing lists and filling defaults', () => {
    const text = file(
      [
        'name: checkout-payments',
        'title: Checkout cannot take payments',
        'description: Credentials first.',
        'match:',
        '  service: checkout',
        '  alertname: [CheckoutErrors, PaymentFailures]',
        '  labels: { team: payments }',
        'responders: [U012AB3CDEF, W0123ABCDEF]',
        'escalation: S0123ABCDEF',
        'severity: sev2',
        'checks:',
        '  gateway-auth:',
        '    type: http',
        '    url: https://gateway.example.com/v1/me',
        '    method: head',
        '    expect: [200, 204]',
        '    headers:',
        '      Authorization: { env: PAYMENT_GATEWAY_TOKEN, prefix: "Bearer " }',
        '  changes:',
        '    type: recent_changes',
      ],
      [
        '',
        '# Checkout',
        '',
        'Prose for humans is ignored.',
        '',
        '- [ ] Verify gateway credentials {check: gateway-auth}',
        '  A 401 means the key is wrong.',
        '',
        '  Compare with the vault.',
        '* [ ] See what changed {check: changes}',
        '',
        '```',
        '- [ ] not a step: inside a code block',
        '```',
        '- [ ] Roll back',
      ],
    );
    const result = parseRunbook(text, 'runbooks/checkout.md');
    expect(result.problems).toEqual([]);
    expect(result.runbook).toEqual({
      name: 'checkout-payments',
      title: 'Checkout cannot take payments',
      description: 'Credentials first.',
      default: false,
      match: { service: ['checkout'], alertname: ['CheckoutErrors', 'PaymentFailures'], labels: { team: 'payments' } },
      responders: ['U012AB3CDEF', 'W0123ABCDEF'],
      escalation: ['S0123ABCDEF'],
      severity: 'sev2',
      checks: {
        'gateway-auth': {
          type: 'http',
          url: 'https://gateway.example.com/v1/me',
          method: 'HEAD',
          expect: [200, 204],
          timeout_ms: 5000,
          headers: { Authorization: { env: 'PAYMENT_GATEWAY_TOKEN', prefix: 'Bearer ' } },
        },
        changes: { type: 'recent_changes', hours: 6 },
      },
      steps: [
        {
          id: 's1',
          text: 'Verify gateway credentials',
          detail: 'A 401 means the key is wrong.\n\nCompare with the vault.',
          check: 'gateway-auth',
        },
        { id: 's2', text: 'See what changed', check: 'changes' },
        { id: 's3', text: 'Roll back' },
      ],
      file: 'runbooks/checkout.md',
    });
    // The normalized runbook is plain JSON and re-validates (it travels in job payloads).
    expect(runbookSchema.parse(JSON.parse(JSON.stringify(result.runbook)))).toEqual(result.runbook);
  });

  it('reads CRLF files and a BOM', () => {
    const text = `\uFEFF${file(base).replace(/\n/g, '\r\n')}`;
    const result = parseRunbook(text, 'x.md');
    expect(result.problems).toEqual([]);
    expect(result.runbook?.steps).toEqual([{ id: 's1', text: 'Look at the logs' }]);
  });

  it('names the line of a missing key in a check: the check', () => {
    expect(problems(file([...base, 'checks:', '  ping:', '    type: http'], ['- [ ] Ping {check: ping}']))).toEqual([
      '7: missing required key `url` in `checks.ping`',
    ]);
  });

  it('rejects unknown check types and keys, suggesting the near miss', () => {
    const text = file(
      [...base, 'checks:', '  a:', '    type: ping', '  b:', '    type: http', '    url: https://x.example.com/', '    timeout: 2000'],
      ['- [ ] A {check: a}', '- [ ] B {check: b}'],
    );
    expect(problems(text)).toEqual([
      '8: `checks.a.type` must be one of recent_changes, http, tcp, dns, not the text "ping"',
      '12: unknown key `timeout` in `checks.b` (did you mean `timeout_ms`?)',
    ]);
  });

  it('lists the allowed keys when there is no near miss', () => {
    expect(problems(file([...base, '  team: payments']))).toEqual([
      '6: unknown key `team` in `match` (allowed: service, alertname, labels)',
    ]);
  });

  it('keeps secrets out of files: inline headers, credentials in URLs, secret-looking prefixes', () => {
    const check = (lines: string[]) =>
      problems(file([...base, 'checks:', '  c:', '    type: http', ...lines], ['- [ ] C {check: c}']));
    expect(check(['    url: https://x.example.com/', '    headers:', '      X-Api-Key: abc123'])).toEqual([
      '11: `checks.c.headers.X-Api-Key`: inline value: header values (secrets above all) come only from environment variables; write `{ env: VAR_NAME, prefix: "Bearer " }`',
    ]);
    expect(check(['    url: https://user:hunter2@x.example.com/'])).toEqual([
      '9: `checks.c.url`: has credentials in it; send them in a header read from an environment variable',
    ]);
    expect(check(['    url: https://x.example.com/ping?api_key=abc&x=1'])).toEqual([
      '9: `checks.c.url`: query parameter `api_key` looks like a secret; send it in a header read from an environment variable',
    ]);
    expect(
      check(['    url: https://x.example.com/', '    headers:', '      Authorization: { env: TOKEN, prefix: "Bearer sk_live_51HxxExample" }']),
    ).toEqual(['11: `checks.c.headers.Authorization.prefix`: must be a short scheme like "Bearer "; the secret goes in the environment variable']);
    expect(check(['    url: https://x.example.com/', '    headers:', '      Authorization: { env: payment_token }'])).toEqual([
      '11: `checks.c.headers.Authorization.env`: "payment_token" is not an environment variable name (like PAYMENT_GATEWAY_TOKEN)',
    ]);
  });

  it('allows only read-style methods and real status codes', () => {
    const check = (lines: string[]) =>
      problems(file([...base, 'checks:', '  c:', '    type: http', '    url: https://x.example.com/', ...lines], ['- [ ] C {check: c}']));
    expect(check(['    method: DELETE'])).toEqual([
      '10: `checks.c.method` must be one of GET, HEAD, OPTIONS, POST, not the text "DELETE"',
    ]);
    expect(check(['    expect: [200, 700]'])).toEqual(['10: `checks.c.expect[1]`: must be at most 599']);
    expect(check(['    timeout_ms: 5s'])).toEqual(['10: `checks.c.timeout_ms` must be a number, not the text "5s"']);
  });

  it('validates Slack IDs item by item', () => {
    expect(problems(file([...base, 'responders:', '  - U012AB3CDEF', '  - alice', 'escalation: [S0123ABCDEF, U012AB3CDEF]']))).toEqual([
      '8: `responders[1]`: "alice" is not a Slack user ID (U… or W…, e.g. U012AB3CDEF)',
    ]);
    expect(problems(file([...base, 'escalation: "<!subteam^S0123ABCDEF>"']))).toEqual([
      '6: `escalation`: "<!subteam^S0123ABCDEF>" is not a Slack user group ID (S…) or user ID (U…/W…); write the bare ID, not a mention',
    ]);
  });

  it('rejects bad names, empty values, empty match and unknown severities', () => {
    expect(problems(file(['name: Checkout Payments', 'title: ""', 'match: {}', 'severity: p1']))).toEqual([
      '2: `name`: "Checkout Payments" is not a runbook name: lower case letters, digits and dashes, at most 64 (e.g. checkout-payments)',
      '3: `title`: must not be empty',
      '4: `match`: is empty: give `service`, `alertname` or `labels`, or remove `match`',
      '5: `severity` must be one of sev1, sev2, sev3, sev4, not the text "p1"',
    ]);
    expect(problems(file(['name: api', 'title:']))).toEqual(['3: `title` must be text, not empty']);
  });

  it('reports YAML mistakes at their line', () => {
    expect(problems(file([...base, 'name: again']))).toEqual(['6: bad YAML: Map keys must be unique']);
    expect(problems(file(['name: api', 'title: "API down', 'match: { service: api }']))).toEqual([
      '3: bad YAML: Missing closing "quote',
    ]);
    expect(problems(file(['- name: api']))).toEqual(['2: front matter must be a YAML mapping of keys (`name: ...`, `title: ...`)']);
    expect(problems(file([]))).toEqual(['1: front matter is empty: it needs at least `name` and `title`']);
    expect(problems(['---', 'name: api', '', '- [ ] x'].join('\n'))).toEqual(['1: front matter is not closed: add a `---` line after it']);
  });

  it('judges steps: malformed boxes, check syntax, ticks, length', () => {
    expect(
      problems(
        file(base, [
          '- [ ] Fine',
          '- [] Forgot the space',
          '- [ ] Check it {check gateway}',
          '- [x] Already ticked',
          `- [ ] ${'a'.repeat(151)}`,
          '- [ ] {check: }',
          '- [Grafana](https://grafana.example.com) is a link, not a step',
        ]),
      ),
    ).toEqual([
      '8: malformed checklist item: write `- [ ] step text`',
      '9: a check reference is written `{check: id}` at the end of the step',
      '10: warning: step is ticked in the file; write `- [ ]` (ticks are recorded in Slack, per incident)',
      '11: step is 151 characters; keep it under 150 (it becomes a Slack checkbox) and move the rest to an indented line below it',
      '12: step has no text',
      '12: step has an empty `{check: }`; name a check from `checks`',
    ]);
  });

  it('does not flag check references when the front matter itself is broken', () => {
    expect(problems(file(['name: [api'], ['- [ ] Ping {check: ping}']))).toEqual([
      '2: bad YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('keeps match off the default runbook', () => {
    expect(problems(file(['name: default', 'title: Default', 'default: true', 'match:', '  service: api']))).toEqual([
      '5: a default runbook takes no `match`: it applies to alerts that match no other runbook',
    ]);
  });

  it('returns the runbook with warnings but not with errors', () => {
    const warned = parseRunbook(file([...base, 'checks:', '  c: { type: recent_changes }']), 'x.md');
    expect(warned.problems.map((p) => p.severity)).toEqual(['warning']);
    expect(warned.runbook?.name).toBe('api');
    const broken = parseRunbook(file(base, ['- [ ]']), 'x.md');
    expect(broken.runbook).toBeUndefined();
  });
});

describe('checks beyond HTTP status, and probes', () => {
  /** Problems of a runbook with one check `c` made of `lines`. */
  const checkProblems = (lines: string[]) => problems(file([...base, 'checks:', '  c:', ...lines], ['- [ ] C {check: c}']));
  const httpLines = ['    type: http', '    url: https://x.example.com/'];

  it('parses tcp, dns, expect_body, tls_days, file headers and probe keys; every in milliseconds', () => {
    const text = file(
      [
        ...base,
        'checks:',
        '  gw:',
        '    type: http',
        '    url: https://api.payment-gateway.example/v1/health',
        '    expect_body: { json: "$.status", equals: "ok" }',
        '    tls_days: 14',
        '    headers:',
        '      Authorization: { file: /run/secrets/gateway-token, prefix: "Bearer " }',
        '    every: 30s',
        '    open_after: 3',
        '    title: "checkout: payment gateway rejects our credentials"',
        '  page:',
        '    type: http',
        '    url: https://status.example.com/',
        '    expect_body: { contains: "All systems operational" }',
        '  db:',
        '    type: tcp',
        '    host: db.internal',
        '    port: 5432',
        '    timeout_ms: 2000',
        '    every: 1m',
        '    service: postgres',
        '  db-name:',
        '    type: dns',
        '    name: db.internal',
        '    addresses: [10.0.0.5, "2001:db8::5"]',
      ],
      ['- [ ] Gateway {check: gw}', '- [ ] Status page {check: page}', '- [ ] Database port {check: db}', '- [ ] Database name {check: db-name}'],
    );
    const result = parseRunbook(text, 'x.md');
    expect(result.problems).toEqual([]);
    const checks = result.runbook?.checks ?? {};
    expect(checks.gw).toEqual({
      type: 'http',
      url: 'https://api.payment-gateway.example/v1/health',
      method: 'GET',
      expect: [200],
      expect_body: { json: '$.status', equals: 'ok' },
      tls_days: 14,
      timeout_ms: 5000,
      headers: { Authorization: { file: '/run/secrets/gateway-token', prefix: 'Bearer ' } },
      every: 30_000,
      open_after: 3,
      title: 'checkout: payment gateway rejects our credentials',
    });
    expect(checks.page).toMatchObject({ expect_body: { contains: 'All systems operational' } });
    expect(checks.db).toEqual({ type: 'tcp', host: 'db.internal', port: 5432, timeout_ms: 2000, every: 60_000, service: 'postgres' });
    expect(checks['db-name']).toEqual({ type: 'dns', name: 'db.internal', addresses: ['10.0.0.5', '2001:db8::5'], timeout_ms: 5000 });
    // Still plain JSON that re-validates, `every` and all.
    expect(runbookSchema.parse(JSON.parse(JSON.stringify(result.runbook)))).toEqual(result.runbook);

    expect(checks.gw && probeSettings(checks.gw)).toEqual({
      everyMs: 30_000,
      openAfter: 3,
      closeAfter: 2,
      title: 'checkout: payment gateway rejects our credentials',
    });
    expect(checks.db && probeSettings(checks.db)).toEqual({ everyMs: 60_000, openAfter: 2, closeAfter: 2, service: 'postgres' });
    expect(checks.page && probeSettings(checks.page)).toBeUndefined();
  });

  it('does not warn about a probe no step uses: it runs on its own schedule', () => {
    expect(problems(file([...base, 'checks:', '  port: { type: tcp, host: db.internal, port: 5432, every: 30s }', '  idle: { type: tcp, host: db.internal, port: 5432 }']))).toEqual([
      '8: warning: check `idle` is defined but no step uses it',
    ]);
  });

  it('says what is wrong with every, open_after and close_after', () => {
    expect(checkProblems([...httpLines, '    every: 5s'])).toEqual(['10: `checks.c.every`: every must be at least 10s, not 5s']);
    expect(checkProblems([...httpLines, '    every: 2d'])).toEqual(['10: `checks.c.every`: "2d" is not a duration: write it like 30s, 1m or 5m']);
    expect(checkProblems([...httpLines, '    every: 30'])).toEqual(['10: `checks.c.every`: must be a duration with its unit, such as 30s, 1m or 5m']);
    expect(checkProblems([...httpLines, '    every: 48h'])).toEqual(['10: `checks.c.every`: every must be at most 24h, not 48h']);
    expect(checkProblems([...httpLines, '    every: 1m', '    open_after: 0', '    close_after: 1.5'])).toEqual([
      '11: `checks.c.open_after`: must be at least 1',
      '12: `checks.c.close_after` must be a whole number, not the number 1.5',
    ]);
    expect(checkProblems(['    type: recent_changes', '    every: 1m'])).toEqual([
      "9: `checks.c`: `every` is for probes, and a recent_changes check cannot be one: it looks back from an incident's start (probes are http, tcp and dns checks)",
    ]);
  });

  it('says what is wrong with expect_body and tls_days', () => {
    expect(checkProblems([...httpLines, '    expect_body: ok'])).toEqual([
      '10: `checks.c.expect_body`: must be a mapping: `{ contains: "text" }` or `{ json: "$.status", equals: "ok" }`',
    ]);
    expect(checkProblems([...httpLines, '    expect_body: { json: status, equals: ok }'])).toEqual([
      '10: `checks.c.expect_body.json`: "status" is not a JSON path: write $.status, $.data.items[0].state or $["odd key"]',
    ]);
    expect(checkProblems([...httpLines, '    expect_body: { json: $.status }'])).toEqual([
      '10: `checks.c.expect_body`: `json` needs `equals`: the value the path must hold',
    ]);
    expect(checkProblems([...httpLines, '    expect_body: { contians: ok }'])).toEqual([
      '10: unknown key `contians` in `checks.c.expect_body` (did you mean `contains`?)',
    ]);
    expect(checkProblems([...httpLines, '    expect_body: { json: $.a, equals: [1] }'])).toEqual([
      '10: `checks.c.expect_body.equals`: must be text, a number, true/false or null',
    ]);
    expect(checkProblems([...httpLines, '    method: HEAD', '    expect_body: { contains: ok }'])).toEqual([
      '11: `checks.c.expect_body`: a HEAD request has no body to look at; use GET',
    ]);
    expect(checkProblems(['    type: http', '    url: http://x.example.com/', '    tls_days: 14'])).toEqual([
      '10: `checks.c.tls_days`: needs an https:// URL: it reads the certificate',
    ]);
  });

  it('takes header values from a file by absolute path, from env or file but not both', () => {
    const header = (value: string) => checkProblems([...httpLines, '    headers:', `      Authorization: ${value}`]);
    expect(header('{ file: /run/secrets/token }')).toEqual([]);
    expect(header('{ file: secrets/token }')).toEqual([
      '11: `checks.c.headers.Authorization.file`: "secrets/token" is not an absolute path (like /run/secrets/payment-gateway-token)',
    ]);
    expect(header('{ file: /run/secrets/token, env: TOKEN }')).toEqual(['11: `checks.c.headers.Authorization`: takes `env` or `file`, not both']);
    expect(header('{ prefix: "Bearer " }')).toEqual([
      '11: `checks.c.headers.Authorization`: says where the value comes from: `{ env: VAR_NAME }` or `{ file: /path/to/secret }`',
    ]);
    expect(header('{ fil: /run/secrets/token }')).toEqual(['11: unknown key `fil` in `checks.c.headers.Authorization` (did you mean `file`?)']);
  });

  it('says what is wrong with tcp and dns checks', () => {
    expect(checkProblems(['    type: tcp', '    host: https://db.example', '    port: 99999'])).toEqual([
      '9: `checks.c.host`: "https://db.example" is not a host name or IP address: write the name alone (api.example.com), without scheme or port',
      '10: `checks.c.port`: must be at most 65535',
    ]);
    expect(checkProblems(['    type: tcp', '    host: db.example'])).toEqual(['7: missing required key `port` in `checks.c`']);
    expect(checkProblems(['    type: tcp', '    host: 10.0.0.5', '    port: 5432', '    timeout: 100'])).toEqual([
      '11: unknown key `timeout` in `checks.c` (did you mean `timeout_ms`?)',
    ]);
    expect(checkProblems(['    type: dns', '    name: 10.0.0.1', '    addresses: [10.0.0.300]'])).toEqual([
      '9: `checks.c.name`: "10.0.0.1" is an IP address; a dns check looks up a name',
      '10: `checks.c.addresses[0]`: "10.0.0.300" is not an IP address',
    ]);
    expect(checkProblems(['    type: dns', '    name: db.internal', '    addresses: []'])).toEqual([
      '10: `checks.c.addresses`: must not be an empty list; leave it out to accept any address',
    ]);
  });
});

describe('slackMention', () => {
  it('mentions user groups and users', () => {
    expect(slackMention('S0123ABCDEF')).toBe('<!subteam^S0123ABCDEF>');
    expect(slackMention('U012AB3CDEF')).toBe('<@U012AB3CDEF>');
  });
});

describe('docs/runbooks.md', () => {
  it('shows a full example that parses without a problem', () => {
    const doc = readFileSync('docs/runbooks.md', 'utf8');
    const example = /```markdown\n([\s\S]*?)\n```\n/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const result = parseRunbook(example ?? '', 'example.md');
    expect(result.problems).toEqual([]);
    expect(result.runbook?.steps.map((s) => s.check)).toEqual(['gateway-auth', 'recent-changes', undefined, undefined, undefined]);
  });
});
