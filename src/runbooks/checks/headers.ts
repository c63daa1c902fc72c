/**
 * The headers an `http` check sends, read when it runs: from the Beacon process's environment
 * (`{ env }`) or from a file (`{ file }`, re-read at every run so a rotated secret is used
 * without a restart, its trailing newline dropped). Every value read is handed to the caller's
 * `secrets` at once, so the runner scrubs it from whatever the check returns or throws. A file's
 * path may appear in a result; its content never does.
 */
import { readFile, stat } from 'node:fs/promises';
import type { HeaderValue, HttpCheck } from '../format/schema.js';
import { errorCode } from './sockets.js';
import type { CheckResult } from './types.js';

/** A secret file larger than this holds more than a secret. */
const MAX_SECRET_FILE = 64 * 1024;
/** Header values may not hold control characters (CR/LF would split the request). */
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** The headers to send, and where each came from (`Authorization from $GATEWAY_TOKEN`). */
export interface HeadersRead {
  headers: Record<string, string>;
  sources: string[];
}

/** Where a header value comes from, for messages: `$GATEWAY_TOKEN`, `/run/secrets/gateway-token`. */
export const headerSource = (h: HeaderValue): string => (h.env !== undefined ? `$${h.env}` : (h.file ?? ''));

/**
 * Reads every header value; the `error` result names the variable or file that is missing or
 * unusable (never its content). Each value read, alone and with its prefix, goes into `secrets`.
 */
export async function readHeaders(check: HttpCheck, env: NodeJS.ProcessEnv, secrets: string[]): Promise<HeadersRead | CheckResult> {
  const headers: Record<string, string> = {};
  const sources: string[] = [];
  for (const [name, h] of Object.entries(check.headers ?? {})) {
    const value = h.env !== undefined ? fromEnv(h.env, name, env) : await fromFile(h.file ?? '', name);
    if (typeof value !== 'string') return value;
    secrets.push(value, ...(h.prefix ? [`${h.prefix}${value}`] : []));
    if (BAD_HEADER_VALUE.test(value) || BAD_HEADER_VALUE.test(h.prefix ?? '')) {
      const holder = h.env !== undefined ? `environment variable ${h.env}` : `file ${h.file ?? ''}`;
      return {
        status: 'error',
        summary: `${holder} holds a value that cannot be sent as the ${name} header (a line break or control character in it)`,
      };
    }
    headers[name] = `${h.prefix ?? ''}${value}`;
    sources.push(`${name} from ${headerSource(h)}`);
  }
  return { headers, sources };
}

function fromEnv(variable: string, header: string, env: NodeJS.ProcessEnv): string | CheckResult {
  const value = env[variable];
  if (value !== undefined && value !== '') return value;
  return {
    status: 'error',
    summary: `environment variable ${variable} is not set (it holds the ${header} header); set it for Beacon's worker and run the check again`,
  };
}

const IS_FOLDER = 'it is a folder, not a file';
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: "permission denied for Beacon's worker",
  EPERM: "permission denied for Beacon's worker",
  EISDIR: IS_FOLDER,
  ELOOP: 'a symbolic link loop',
};

/** The file's content less one trailing newline, or the `error` result saying why it cannot be used. */
async function fromFile(path: string, header: string): Promise<string | CheckResult> {
  const problem = (why: string): CheckResult => ({
    status: 'error',
    summary: `cannot read ${path} for the ${header} header: ${why}`,
  });
  try {
    // Only a regular file: a FIFO or device could block the check, or hand it anything.
    const info = await stat(path);
    if (!info.isFile()) return problem(info.isDirectory() ? IS_FOLDER : 'not a regular file');
    if (info.size > MAX_SECRET_FILE) return problem('it is over 64 KiB; it should hold only the header value');
    const value = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    return value === '' ? problem('the file is empty') : value;
  } catch (err) {
    const code = errorCode(err);
    return problem((code && FILE_PROBLEMS[code]) ?? `it cannot be read (${code ?? 'unknown error'})`);
  }
}
