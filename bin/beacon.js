#!/usr/bin/env node
// `npx beacon …` (the `bin` of package.json): Beacon's command line, `src/cli/main.ts`.
//
// On a clone after `npm ci` there is no build: the TypeScript runs through tsx (a
// devDependency), registered in this process. Where tsx is not installed (`npm ci --omit=dev`
// after `npm run build`) the built `dist/cli/main.js` runs instead. Source first when it can
// run, so a `dist/` left from an older build never answers for the code in front of you.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

function hasTsx() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

async function load() {
  if (existsSync(source) && hasTsx()) {
    const { register } = await import('tsx/esm/api');
    register();
    return import(source.href);
  }
  if (existsSync(built)) return import(built.href);
  process.stderr.write('beacon: neither tsx (npm ci) nor a build (npm run build) is there to run the command line\n');
  process.exit(2);
}

const cli = await load();
process.exitCode = await cli.main(process.argv.slice(2), cli.processIo());
