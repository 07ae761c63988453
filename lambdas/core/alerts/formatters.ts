/** The chat services alerts are delivered to, and the formatter of each. */
import { dingtalkMessage } from './dingtalk.ts';
import { feishuMessage } from './feishu.ts';
import { slackMessage } from './slack.ts';
import { teamsMessage } from './teams.ts';
import type { AlertView } from './view.ts';

/** A destination's service: its payload shape (and, for DingTalk and Feishu, its signature). */
export type AlertService = 'slack' | 'teams' | 'dingtalk' | 'feishu' | 'webhook';

/** Every service, in the order the docs list them. */
export const ALERT_SERVICES: readonly AlertService[] = ['slack', 'teams', 'dingtalk', 'feishu', 'webhook'];

/** The JSON body each service's webhook takes for an alert; `webhook` gets the view as it is. */
export const FORMATTERS: Readonly<Record<AlertService, (view: AlertView) => Record<string, unknown>>> = {
  slack: slackMessage,
  teams: teamsMessage,
  dingtalk: dingtalkMessage,
  feishu: feishuMessage,
  webhook: (view) => ({ ...view }),
};
