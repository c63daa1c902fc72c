// Import rules for src/, checked by `npm run lint:deps` (dependency-cruiser).
//
// Paths in the rules are relative to the directory depcruise runs from (the repo root, or a
// fixture root in test/docs/dependency-rules.test.ts). An npm package's `to` path is where it
// resolved to (node_modules/<name>/...) or, if it could not be resolved, its bare name; the
// patterns below accept both.
//
// Type-only imports count: `tsPreCompilationDeps: true` keeps `import type` edges that the
// TypeScript compiler would erase.

const path = require('node:path');

/** The domain: knows nothing of Slack, HTTP or the job queue. */
const DOMAIN = '^src/(incidents|runbooks|timeline|reports|changes|probes|drills|status|insights)/';
const BULLMQ = '(^|/)node_modules/bullmq/|^bullmq(/|$)';
const SLACK_SDK = '(^|/)node_modules/@slack/|^@slack/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src/ (type-only imports included).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-not-to-adapters',
      severity: 'error',
      comment:
        'The domain (incidents, runbooks, timeline, reports, changes, probes, drills, status, insights) must not import Slack, ' +
        'HTTP or job-queue code, nor bullmq or @slack/*, not even types.',
      from: { path: DOMAIN },
      to: { path: ['^src/(slack|http|jobs)/', BULLMQ, SLACK_SDK] },
    },
    {
      name: 'only-slack-imports-slack-sdk',
      severity: 'error',
      comment: 'Only src/slack/ may import @slack/* (src/dev/ included: it must not either).',
      from: { path: '^src/', pathNot: '^src/slack/' },
      to: { path: SLACK_SDK },
    },
    {
      name: 'only-jobs-and-wiring-import-bullmq',
      severity: 'error',
      comment: 'Only src/jobs/ and src/wiring.ts may import bullmq (src/dev/ included: it must not).',
      from: { path: '^src/', pathNot: ['^src/jobs/', '^src/wiring\\.ts$'] },
      to: { path: BULLMQ },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import must resolve: an import the tool cannot follow is one no rule above can ' +
        'check (e.g. a ./x.js specifier that did not map to x.ts).',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Follow the repo's own files only; an npm package is a leaf.
    doNotFollow: { path: 'node_modules' },
    // Keep `import type` / type-only edges (erased by tsc, but still a dependency here).
    tsPreCompilationDeps: true,
    // Resolve as tsc does, with the project's tsconfig whatever directory depcruise runs from
    // (NodeNext: a `./x.js` specifier names the `./x.ts` source). Should an import still not
    // resolve, `not-to-unresolvable` fails the run instead of it passing unchecked.
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    // Packages that declare their entry only through package.json `exports` (@octokit/*) resolve
    // as Node resolves them.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
