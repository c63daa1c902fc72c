import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../log.js';
import { sendJson, sendText } from '../http/respond.js';
import { verifySlackSignature } from './verify.js';

/**
 * Bolt's receiver for `POST /slack/events`, mounted on Beacon's own HTTP server (which already
 * read the raw body under the 1 MiB limit). It verifies the signature before anything is parsed,
 * answers `url_verification` and `ssl_check`, and hands everything else to Bolt with an `ack`
 * that writes the HTTP answer, so listeners answer Slack within its 3-second limit.
 */
export class BeaconReceiver implements Receiver {
  private app?: App;

  constructor(
    private readonly signingSecret: string,
    private readonly log: Logger,
    /** Slack gives up after 3 s; answer 200 empty a little before if no listener acked. */
    private readonly ackDeadlineMs = 2500,
  ) {}

  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const sig = verifySlackSignature(
      this.signingSecret,
      raw,
      header(req, 'x-slack-request-timestamp'),
      header(req, 'x-slack-signature'),
    );
    if (!sig.ok) {
      this.log.warn({ reason: sig.reason, path: req.url }, 'rejected Slack request');
      return sendJson(res, 401, { error: 'invalid Slack signature' });
    }
    const body = parseBody(raw, header(req, 'content-type'));
    if (!body) return sendJson(res, 400, { error: 'unreadable body' });
    if (body.type === 'url_verification' && typeof body.challenge === 'string') return sendJson(res, 200, { challenge: body.challenge });
    if (body.ssl_check) return sendText(res, 200, '');
    if (!this.app) return sendJson(res, 503, { error: 'not ready' });

    let acked = false;
    const respond = (response?: unknown) => {
      if (acked || res.headersSent) return;
      acked = true;
      if (response === undefined || response === '') return sendText(res, 200, '');
      if (typeof response === 'string') return sendText(res, 200, response);
      return sendJson(res, 200, response);
    };
    const timer = setTimeout(() => {
      if (!acked) {
        this.log.warn({ type: body.type }, 'no listener acknowledged in time; answering 200');
        respond();
      }
    }, this.ackDeadlineMs);
    const retryNum = header(req, 'x-slack-retry-num');
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => respond(response),
      ...(retryNum ? { retryNum: Number(retryNum) } : {}),
      ...(header(req, 'x-slack-retry-reason') ? { retryReason: header(req, 'x-slack-retry-reason')! } : {}),
    };
    try {
      await this.app.processEvent(event);
    } catch (err) {
      this.log.error({ err }, 'Slack listener failed');
      if (!acked) {
        acked = true;
        sendJson(res, 500, { error: 'internal error' });
      }
    } finally {
      clearTimeout(timer);
      if (!acked) respond();
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Slash commands and interactivity come form-encoded (`payload=` JSON for the latter); events as JSON. */
function parseBody(raw: Buffer, contentType: string | undefined): Record<string, any> | null {
  const text = raw.toString('utf8');
  try {
    if (contentType?.includes('application/json')) return JSON.parse(text) as Record<string, any>;
    const form = Object.fromEntries(new URLSearchParams(text));
    if (typeof form.payload === 'string') return JSON.parse(form.payload) as Record<string, any>;
    return form;
  } catch {
    return null;
  }
}
