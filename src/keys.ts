import { createHash } from 'node:crypto';

/**
 * Every Redis key Beacon uses, built in one place. Keys of one incident share the hash tag
 * `{incident:<id>}` so that a Lua script or MULTI touching several of them stays in one slot
 * under Redis Cluster; BullMQ gets the prefix `{<prefix>}` for the same reason.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** BullMQ's key prefix. */
  get queuePrefix(): string {
    return `{${this.prefix}}`;
  }

  private inc(id: string): string {
    return `${this.prefix}:{incident:${id}}`;
  }

  incident(id: string): string {
    return this.inc(id);
  }
  incidentAlerts(id: string): string {
    return `${this.inc(id)}:alerts`;
  }
  /** Ids of jobs already applied to the incident's alert records (exactly-once counting). */
  incidentAppliedJobs(id: string): string {
    return `${this.inc(id)}:applied`;
  }
  /** Set while an alerts-message refresh is queued and has not started reading yet. */
  alertsRefreshPending(id: string): string {
    return `${this.inc(id)}:alerts-refresh`;
  }
  incidentLock(id: string): string {
    return `${this.inc(id)}:lock`;
  }
  timeline(id: string): string {
    return `${this.inc(id)}:timeline`;
  }
  timelineIds(id: string): string {
    return `${this.inc(id)}:timeline:ids`;
  }
  /** When the last periodic summary was posted, and where the timeline stream stood then. */
  lastSummary(id: string): string {
    return `${this.inc(id)}:last-summary`;
  }
  lastSummaryPos(id: string): string {
    return `${this.inc(id)}:last-summary-pos`;
  }
  checklist(id: string): string {
    return `${this.inc(id)}:checklist`;
  }
  /** The incident's public status updates (`/incident update --public`), oldest first. */
  statusUpdates(id: string): string {
    return `${this.inc(id)}:status-updates`;
  }
  /** Source ids of public updates already recorded (exactly-once on Slack retries). */
  statusUpdateIds(id: string): string {
    return `${this.inc(id)}:status-updates:ids`;
  }
  /** Source ids of checklist ticks already applied (exactly-once ticks). */
  checklistApplied(id: string): string {
    return `${this.inc(id)}:checklist:applied`;
  }

  /** The open incident of an alert group; group names are hashed to bound the key length. */
  openGroup(group: string): string {
    return `${this.prefix}:{group:${digest(group)}}`;
  }
  /** Channel id -> incident id, for commands typed in an incident channel. */
  channel(channelId: string): string {
    return `${this.prefix}:channel:${channelId}`;
  }
  /** Channel name -> incident id: Beacon's own reservation, so two incidents never race for a name. */
  channelName(name: string): string {
    return `${this.prefix}:channel-name:${name}`;
  }
  openIncidents(): string {
    return `${this.prefix}:incidents:open`;
  }
  allIncidents(): string {
    return `${this.prefix}:incidents:all`;
  }
  sequence(): string {
    return `${this.prefix}:incident-seq`;
  }
  /** Drills are numbered apart from real incidents. */
  drillSequence(): string {
    return `${this.prefix}:drill-seq`;
  }
  changes(service: string): string {
    return `${this.prefix}:{changes:${digest(service.toLowerCase())}}`;
  }
  changeIds(service: string): string {
    return `${this.prefix}:{changes:${digest(service.toLowerCase())}}:ids`;
  }
  /** Incidents with a public update, scored by the time of their latest one (the status page's index). */
  statusIncidents(): string {
    return `${this.prefix}:status:incidents`;
  }
  /** Every probe's state (failures and passes in a row, last result), one hash field per probe. */
  probes(): string {
    return `${this.prefix}:probes`;
  }
  /** Held while one worker runs a probe: two workers never run it at the same moment. */
  probeLock(probeId: string): string {
    return `${this.prefix}:probe-lock:${probeId}`;
  }
  /** Cluster-wide counters (jobs, Slack calls) that every worker adds to. */
  metrics(): string {
    return `${this.prefix}:metrics`;
  }
  /** A web session (Sign in with Slack), by a digest of its id: the id itself is only in the signed cookie. */
  webSession(id: string): string {
    return `${this.prefix}:web-session:${digest(id)}`;
  }
  /** A sign-in under way, by a digest of its `state`: single-use, ten minutes. */
  webSignIn(state: string): string {
    return `${this.prefix}:web-sign-in:${digest(state)}`;
  }
  /**
   * A Slack rate-limit bucket (a method's tier allowance, or chat.postMessage in one channel),
   * shared by every worker (src/slack/pacing.ts). One hash tag for all: a call drawing from two
   * buckets stays in one slot under Redis Cluster.
   */
  slackRate(bucket: string): string {
    return `${this.prefix}:{slack-rate}:${bucket}`;
  }
  /** Idempotency marks for Slack deliveries and other effects keyed by a source id. */
  once(scope: string, id: string): string {
    return `${this.prefix}:once:${scope}:${digest(id)}`;
  }
}

function digest(s: string): string {
  return createHash('sha1').update(s).digest('hex').slice(0, 20);
}
