import type { ServerResponse } from 'node:http';
import { html } from '../html.js';
import { sendPage } from '../page.js';

/** The sign-in's answers when it cannot go on: plain words, a way to try again, nothing secret. */
export const REFUSALS = {
  badState: { status: 400, title: 'Sign-in could not be finished', text: 'This sign-in was not started in this browser, or it was started more than ten minutes ago. Start again from Beacon.' },
  usedState: { status: 400, title: 'Sign-in link already used', text: 'This sign-in link has already been used or has expired. Start again from Beacon.' },
  cancelled: { status: 401, title: 'Sign-in cancelled', text: 'Slack says the sign-in was cancelled, so you are not signed in.' },
  refused: { status: 401, title: 'Slack did not confirm the sign-in', text: 'Slack did not accept this sign-in (the link may have been used already). Nothing was signed in.' },
  invalid: { status: 401, title: 'Sign-in could not be verified', text: 'The answer that came back from Slack could not be verified, so Beacon did not sign you in.' },
  unreachable: { status: 502, title: 'Slack could not be reached', text: 'Beacon could not reach Slack to finish the sign-in. Try again in a moment.' },
  otherTeam: { status: 403, title: 'Another workspace', text: "You signed in to a different Slack workspace. Beacon's pages are only for members of the workspace Beacon runs in." },
  notOwnForm: { status: 403, title: 'Sign-out refused', text: "This sign-out did not come from Beacon's own page, so nothing changed." },
  badForm: { status: 400, title: 'Sign-out refused', text: 'This sign-out request was not a form Beacon understands, so nothing changed.' },
  tooLarge: { status: 413, title: 'Request too large', text: 'That request was far larger than a sign-out form.' },
  method: { status: 405, title: 'Not allowed', text: 'This address does not take that kind of request.' },
} as const;

export type Refusal = keyof typeof REFUSALS;

/** Sends one refusal page; `retry` (a local path) adds a link to sign in again and come back there. */
export function refuse(res: ServerResponse, which: Refusal, retry?: string): void {
  const r = REFUSALS[which];
  const again = retry === undefined ? '' : html`<p><a href="/auth/slack?next=${encodeURIComponent(retry)}">Sign in with Slack again</a></p>`;
  sendPage(res, {
    status: r.status,
    title: r.title,
    signedInNav: false,
    body: html`<section class="refusal"><h1>${r.title}</h1><p>${r.text}</p>${again}</section>`,
  });
}
