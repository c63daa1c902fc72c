/** The demo's print-out: what a newcomer reads first. */
export interface Out {
  say(s?: string): void;
  /** A section heading. */
  rule(title: string): void;
  /** Everything said so far. */
  text(): string;
}

export function createOut(write: (s: string) => void): Out {
  const lines: string[] = [];
  const say = (s = '') => {
    lines.push(s);
    write(`${s}\n`);
  };
  return {
    say,
    rule: (title) => say(`\n── ${title} ${'─'.repeat(Math.max(0, 76 - title.length))}`),
    text: () => lines.join('\n'),
  };
}

/** Polls until `fn` gives something truthy. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeout = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
