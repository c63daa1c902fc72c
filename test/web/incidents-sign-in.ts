/**
 * Signs in to a Beacon web with Sign in with Slack as a browser does: `/auth/slack`, the
 * simulator's authorize page (choosing `userId` of the simulator's team), back to Beacon's
 * callback with the sign-in cookie. Returns the `Cookie` header of the session. Used by the
 * incident-page tests and the web-pages benchmark.
 */
export async function signInThroughSimulator(base: string, teamId: string, userId: string, next = '/incidents'): Promise<string> {
  const pair = (c: string) => c.split(';')[0]!;
  const start = await fetch(`${base}/auth/slack?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
  const signInCookie = start.headers.getSetCookie().map(pair).join('; ');
  const authorize = new URL(start.headers.get('location') ?? '');
  const page = await (await fetch(authorize)).text();
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const fields = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(unescape(m[1]!), unescape(m[2]!));
  fields.set('user', `${teamId}:${userId}`);
  const back = await fetch(new URL('/openid/connect/authorize', authorize), { method: 'POST', body: fields, redirect: 'manual' });
  const callback = new URL(back.headers.get('location') ?? '');
  const done = await fetch(`${base}${callback.pathname}${callback.search}`, { headers: { cookie: signInCookie }, redirect: 'manual' });
  const session = done.headers.getSetCookie().map(pair).find((c) => /session/.test(c));
  if (done.status !== 303 || !session) throw new Error(`sign-in through the simulator failed: the callback answered ${done.status}`);
  return session;
}
