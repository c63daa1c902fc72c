import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log object. */
const REDACT_PATHS = [
  'token', '*.token', 'botToken', '*.botToken', 'appToken', '*.appToken',
  'signingSecret', '*.signingSecret', 'secret', '*.secret', 'password', '*.password',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'req.headers.authorization', 'headers["x-slack-signature"]', 'headers["x-pagerduty-signature"]',
  'headers["x-grafana-alerting-signature"]',
];

/**
 * A stream that replaces every known secret value with `[REDACTED]` before the line is written.
 * Path-based redaction misses secrets that end up inside messages or error texts (a URL with a
 * token, a library's debug line); scrubbing by value catches them wherever they are.
 */
export function scrubbingStream(secrets: string[], out: NodeJS.WritableStream = process.stdout): Writable {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  // Secrets also show up percent- or JSON-encoded (form bodies, JSON strings).
  const variants = new Set<string>();
  for (const v of values) {
    variants.add(v);
    variants.add(encodeURIComponent(v));
    variants.add(JSON.stringify(v).slice(1, -1));
  }
  const needles = [...variants].sort((a, b) => b.length - a.length);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      let line = chunk.toString('utf8');
      for (const n of needles) if (line.includes(n)) line = line.split(n).join('[REDACTED]');
      out.write(line, cb);
    },
  });
}

export function createLogger(opts: { level: string; secrets: string[]; name?: string; out?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: opts.level,
      ...(opts.name ? { name: opts.name } : {}),
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbingStream(opts.secrets, opts.out),
  );
}
