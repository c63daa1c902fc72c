/**
 * The demo's clock. Beacon (web and worker) reads the time from it, so the story keeps the seed's
 * times (08:18 the rotation, 08:30 the transaction alert) while taking seconds of wall time: the
 * demo moves it forward between steps. It runs on today's date (yesterday's before 09:00 UTC),
 * always behind the wall clock, so nothing Beacon schedules on the wall clock (BullMQ delays,
 * locks, Slack signatures) ever sees a time from the future.
 */
export class DemoClock {
  private lagMs: number;
  /** From which wall-clock time which lag held, to map the simulator's timestamps back. */
  private readonly history: { fromReal: number; lagMs: number }[];

  constructor(
    /** Midnight UTC of the story's day. */
    readonly day: Date,
    start: string,
    private readonly wall: () => number = Date.now,
  ) {
    this.lagMs = Math.max(0, this.wall() - this.story(start).getTime());
    this.history = [{ fromReal: -Infinity, lagMs: this.lagMs }];
  }

  /** The time as Beacon reads it. */
  readonly now = (): Date => new Date(this.wall() - this.lagMs);

  /** `08:18:30` of the story's day. */
  story(hhmmss: string): Date {
    const [h = 0, m = 0, s = 0] = hhmmss.split(':').map(Number);
    return new Date(this.day.getTime() + ((h * 60 + m) * 60 + s) * 1000);
  }

  /** Moves the clock forward to `hhmmss` (never back, never past the wall clock); the new time. */
  advanceTo(hhmmss: string): Date {
    const real = this.wall();
    const lag = Math.max(0, Math.min(this.lagMs, real - this.story(hhmmss).getTime()));
    if (lag !== this.lagMs) {
      this.lagMs = lag;
      this.history.push({ fromReal: real, lagMs: lag });
    }
    return this.now();
  }

  /** What this clock read at wall-clock time `realMs`. */
  at(realMs: number): Date {
    let lag = this.history[0]!.lagMs;
    for (const h of this.history) if (h.fromReal <= realMs) lag = h.lagMs;
    return new Date(realMs - lag);
  }
}

/** Midnight UTC of the day whose 08:00-09:00 UTC is the latest that is wholly past. */
export function storyDay(wallMs = Date.now()): Date {
  const today = new Date(wallMs);
  today.setUTCHours(0, 0, 0, 0);
  const nineToday = today.getTime() + 9 * 3_600_000;
  return wallMs >= nineToday ? today : new Date(today.getTime() - 86_400_000);
}

/** `08:18:30` (UTC) of a time. */
export const hms = (d: Date): string => d.toISOString().slice(11, 19);
