/** Action and callback ids shared by renderers and listeners. */
export const ACTIONS = {
  acknowledge: 'incident.acknowledge',
  mitigate: 'incident.mitigate',
  resolve: 'incident.resolve',
  severity: 'incident.severity',
  resolveFromAlerts: 'alerts.resolve_incident',
  checklist: 'checklist.toggle',
  runCheck: 'checklist.run_check',
} as const;

export const VIEWS = {
  declare: 'incident.declare',
} as const;

/** `chat.postMessage` metadata event types: how Beacon finds its own messages again after a crash. */
export const METADATA = {
  card: 'beacon_incident_card',
  alerts: 'beacon_alerts',
  message: 'beacon_message',
} as const;
