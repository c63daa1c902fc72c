/**
 * What the command line reads and writes, in one place, so the commands take it as a value and
 * a test can hand them its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface CliIo {
  /** One line of the command's output (stdout), without the newline. */
  out(line: string): void;
  /** One line of notes and problems (stderr), without the newline. */
  err(line: string): void;
  /** The environment the checks run with: header secrets, `REDIS_URL`, `RUNBOOKS_DIR`. */
  env: NodeJS.ProcessEnv;
  /** Writes a report file, making its folder when missing. */
  writeFile(path: string, text: string): void;
  now(): Date;
}

/**
 * The real process: stdout, stderr, `process.env`, the file system, the clock. A reader that
 * goes away (`| head`) only stops the output: the checks still run and the exit code still
 * says how they went.
 */
export function processIo(): CliIo {
  return {
    out: writer(process.stdout),
    err: writer(process.stderr),
    env: process.env,
    writeFile(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    now: () => new Date(),
  };
}

function writer(stream: NodeJS.WriteStream): (line: string) => void {
  let gone = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    gone = true;
  });
  return (line) => {
    if (!gone) stream.write(`${line}\n`);
  };
}
