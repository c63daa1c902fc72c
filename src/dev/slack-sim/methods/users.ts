/** `users.*`, `usergroups.*` and `auth.test`: who is in the workspace, and who the token is. */
import { ApiError, limitArg, pageOf, str } from '../args.js';
import { userObject } from '../api-objects.js';
import type { Handler } from '../workspace.js';

const authTest: Handler = (_p, ws) => ({
  ok: true,
  url: `https://${ws.teamDomain}.slack.com/`,
  team: 'Beacon Simulator',
  user: 'beacon',
  team_id: ws.teamId,
  user_id: ws.botUserId,
  bot_id: ws.botId,
  is_enterprise_install: false,
});

const usersInfo: Handler = (p, ws) => {
  const user = ws.users.get(str(p, 'user') ?? '');
  if (!user) throw new ApiError('user_not_found');
  return { ok: true, user: userObject(ws, user) };
};

const usersList: Handler = (p, ws) => {
  const limit = limitArg(p, 200, 1000);
  const { page, nextCursor } = pageOf([...ws.users.values()], (u) => u.id, 'user', str(p, 'cursor'), limit);
  return { ok: true, members: page.map((u) => userObject(ws, u)), cache_ts: Math.floor(Date.now() / 1000), response_metadata: { next_cursor: nextCursor } };
};

const usergroupsUsersList: Handler = (p, ws) => {
  const group = ws.usergroups.get(str(p, 'usergroup') ?? '');
  if (!group) throw new ApiError('no_such_subteam');
  return { ok: true, users: [...group] };
};

export const usersMethods: Record<string, Handler> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'users.list': usersList,
  'usergroups.users.list': usergroupsUsersList,
};
