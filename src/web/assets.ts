import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/**
 * The pages' own files (`src/web/assets/`: stylesheets, small scripts), served at `/assets/<name>`
 * from memory, read once on first use. Nothing comes from elsewhere (the CSP allows only 'self').
 * Pages link them as `/assets/<name>?v=<hash of the content>` (`assetPath`), so they may be cached
 * for a year: a new release changes the URL.
 */

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
};
const NAME = /^[a-z0-9][a-z0-9-]*\.([a-z]+)$/;
const YEAR = 365 * 24 * 3600;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  version: string;
}

let loaded: Map<string, Asset> | undefined;

/**
 * Where the files are: beside this module when run from source (tsx), and the source folder when
 * run from dist/ (tsc copies no CSS) or from a bundle (the bench), else under the working directory.
 */
function assetDir(): string {
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../src/web/assets/', import.meta.url)].map((u) => fileURLToPath(u));
  candidates.push(`${process.cwd()}/src/web/assets/`);
  return candidates.find((d) => existsSync(`${d}beacon.css`)) ?? candidates[0]!;
}

function assets(): Map<string, Asset> {
  if (loaded) return loaded;
  const dir = assetDir();
  const map = new Map<string, Asset>();
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const type = TYPES[NAME.exec(name)?.[1] ?? ''];
    if (!type) continue;
    const body = readFileSync(`${dir}${name}`);
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
    map.set(name, { body, type, etag: `"${hash}"`, version: hash });
  }
  loaded = map;
  return map;
}

/** `/assets/<name>?v=<content hash>`: the URL a page links an asset by. */
export function assetPath(name: string): string {
  const a = assets().get(name);
  return a ? `/assets/${name}?v=${a.version}` : `/assets/${name}`;
}

/**
 * `GET /assets/<name>`: the file with its content type, an ETag, `nosniff`, and a year's cache when
 * the URL carries the current version (a shorter one otherwise). False for names it does not serve.
 */
export function serveAsset(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const name = url.pathname.slice('/assets/'.length);
  const a = NAME.test(name) ? assets().get(name) : undefined;
  if (!a) return false;
  const headers = {
    'content-type': a.type,
    'cache-control': url.searchParams.get('v') === a.version ? `public, max-age=${YEAR}, immutable` : 'public, max-age=300',
    etag: a.etag,
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, 'content-length': a.body.length });
  res.end(a.body);
  return true;
}
