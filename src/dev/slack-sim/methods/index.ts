/** Every Web API method the simulator serves: method name -> handler, from each family's module. */
import type { Handler } from '../workspace.js';
import { appsMethods } from './apps.js';
import { chatMethods } from './chat.js';
import { conversationsMethods } from './conversations.js';
import { filesMethods } from './files.js';
import { openidMethods } from './openid.js';
import { pinsReactionsMethods } from './pins-reactions.js';
import { usersMethods } from './users.js';
import { viewsMethods } from './views.js';

export const METHODS: Readonly<Record<string, Handler>> = {
  ...appsMethods,
  ...usersMethods,
  ...conversationsMethods,
  ...chatMethods,
  ...pinsReactionsMethods,
  ...viewsMethods,
  ...filesMethods,
  ...openidMethods,
};
