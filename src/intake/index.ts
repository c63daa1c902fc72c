import type { z } from 'zod';
import type { AlertSource, IntakeResult } from '../domain.js';
import { normalizeGeneric, parseGeneric } from './generic.js';

/** What the HTTP layer hands an intake module besides the parsed body. */
export interface IntakeContext {
  now: Date;
  /** Lower-cased request headers. */
  headers: Record<string, string | undefined>;
}

export type ParseResult<T> = { success: true; data: T } | { success: false; error: z.ZodError };

/** One alert source: a zod-validated body in, normalized alerts out. Pure. */
export interface IntakeModule<T = unknown> {
  source: AlertSource;
  parse(body: unknown): ParseResult<T>;
  normalize(body: T, ctx: IntakeContext): IntakeResult;
}

export const genericIntake: IntakeModule<ReturnType<typeof parseGeneric> extends ParseResult<infer T> ? T : never> = {
  source: 'generic',
  parse: parseGeneric,
  normalize: (body, ctx) => normalizeGeneric(body, ctx.now),
};
