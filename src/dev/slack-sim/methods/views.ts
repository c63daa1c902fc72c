/** `views.open` and `views.update`: modals, opened with a trigger_id and updated by id or external_id. */
import { ApiError, invalidArguments, isObj, jsonArg, NOT_JSON, str, type Obj, type Params } from '../args.js';
import { viewObject } from '../api-objects.js';
import { viewProblems } from '../block-kit.js';
import { randomId } from '../ids.js';
import type { Handler, StoredView, Trigger, Workspace } from '../workspace.js';

/** The `view` argument of views.open/update, parsed and validated; problems answer invalid_arguments. */
function checkedView(p: Params): Obj {
  const view = jsonArg(p, 'view');
  if (view === undefined) throw invalidArguments(['missing required field: view']);
  if (view === NOT_JSON || !isObj(view)) throw invalidArguments(['must provide an object [json-pointer:/view]']);
  const problems = viewProblems(view);
  if (problems.length) throw invalidArguments(problems);
  return view;
}

/** A trigger_id is good once, for 3 seconds, and only if Slack (this simulator) issued it. */
function exchangeTrigger(ws: Workspace, triggerId: string | undefined): Trigger {
  const trigger = triggerId ? ws.triggers.get(triggerId) : undefined;
  if (!trigger) throw new ApiError('invalid_trigger_id');
  if (trigger.used) throw new ApiError('exchanged_trigger_id');
  if (Date.now() - trigger.issuedAt > ws.triggerTtlMs) throw new ApiError('expired_trigger_id');
  trigger.used = true;
  return trigger;
}

const open: Handler = (p, ws) => {
  const view = checkedView(p);
  const trigger = exchangeTrigger(ws, str(p, 'trigger_id'));
  const id = randomId('V', 10);
  const stored: StoredView = { id, userId: trigger.userId, view: viewObject(ws, id, view) };
  ws.views.set(id, stored);
  return { ok: true, view: structuredClone(stored.view) };
};

const update: Handler = (p, ws) => {
  const view = checkedView(p);
  const viewId = str(p, 'view_id');
  const externalId = str(p, 'external_id');
  if (!viewId && !externalId) throw invalidArguments(['missing required field: view_id']);
  const stored = viewId ? ws.views.get(viewId) : [...ws.views.values()].find((v) => v.view.external_id === externalId);
  if (!stored) throw new ApiError('not_found');
  const hash = str(p, 'hash');
  if (hash && hash !== stored.view.hash) throw new ApiError('hash_conflict');
  stored.view = viewObject(ws, stored.id, view, stored.view);
  return { ok: true, view: structuredClone(stored.view) };
};

export const viewsMethods: Record<string, Handler> = {
  'views.open': open,
  'views.update': update,
};
