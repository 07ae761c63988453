import { describe, expect, it } from 'vitest';
import { parseAlertsEnv } from '../../../lambdas/adapters/compose/env.ts';

describe('the alert-delivery environment', () => {
  it('names the variable of malformed webhooks JSON and the missing dead-letter queue at once', () => {
    expect(() => parseAlertsEnv({ FRESHINDEX_ALERT_WEBHOOKS: '[{name: "me"}]' })).toThrow(
      /environment variable FRESHINDEX_ALERT_WEBHOOKS: is not JSON: [^\n]+\n {2}- environment variable FRESHINDEX_ALERT_DLQ_URL:/,
    );
  });

  it('refuses a webhook of an unknown service or without an http(s) URL', () => {
    const env = { FRESHINDEX_ALERT_DLQ_URL: 'q', FRESHINDEX_ALERT_WEBHOOKS: JSON.stringify([{ name: 'me', service: 'discord', url: 'ftp://example.com' }]) };

    expect(() => parseAlertsEnv(env)).toThrow(/FRESHINDEX_ALERT_WEBHOOKS\.0\.service: [^\n]*\n {2}- environment variable FRESHINDEX_ALERT_WEBHOOKS\.0\.url: must be an http\(s\):\/\/ URL/);
  });

  it('refuses two destinations of the same name', () => {
    const env = {
      FRESHINDEX_ALERT_DLQ_URL: 'q',
      FRESHINDEX_ALERT_DESTINATIONS: JSON.stringify([{ name: 'oncall', service: 'slack', secretId: 's' }]),
      FRESHINDEX_ALERT_WEBHOOKS: JSON.stringify([{ name: 'oncall', service: 'teams', url: 'https://example.com/hook' }]),
    };

    expect(() => parseAlertsEnv(env)).toThrow('alert destination "oncall" is named more than once');
  });

  it('reads the log groups as a comma-separated list and no destinations as none', () => {
    const env = parseAlertsEnv({ FRESHINDEX_ALERT_DLQ_URL: 'q', FRESHINDEX_LOG_GROUPS: '/aws/lambda/apply, /aws/lambda/verify' });

    expect(env).toMatchObject({ FRESHINDEX_LOG_GROUPS: ['/aws/lambda/apply', '/aws/lambda/verify'], FRESHINDEX_ALERT_DESTINATIONS: [], FRESHINDEX_ALERT_WEBHOOKS: [] });
  });
});
