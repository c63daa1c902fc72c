/**
 * The web pages as one module, imported by `web` only when it starts (wiring.ts): the worker never
 * loads openid-client, jose, markdown-it or the chart code.
 */
export { createWebAuth } from './auth/index.js';
export { insightsPage } from './insights/page.js';
export { webRoutes } from './router.js';
export { statusRoutes } from './status/routes.js';
