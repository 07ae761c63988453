/**
 * Microsoft Teams workflow webhooks ("Post to a channel when a webhook request is received"): a
 * message whose one attachment is an Adaptive Card (schema 1.4, which Teams renders).
 */
import { SEVERITY_WORD } from './text.ts';
import type { AlertView } from './view.ts';

const COLOR: Record<AlertView['severity'], string> = { critical: 'Attention', warning: 'Warning', info: 'Good' };

/** The body of a Teams workflow webhook POST for an alert. */
export function teamsMessage(view: AlertView): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: SEVERITY_WORD[view.severity], color: COLOR[view.severity], weight: 'Bolder', size: 'Small', spacing: 'None' },
    { type: 'TextBlock', text: view.title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: view.summary, wrap: true },
  ];
  if (view.facts.length > 0) body.push({ type: 'FactSet', facts: view.facts.map((fact) => ({ title: fact.name, value: fact.value })) });
  body.push({ type: 'TextBlock', text: 'What to do', weight: 'Bolder', wrap: true, spacing: 'Medium' }, { type: 'TextBlock', text: view.action, wrap: true });
  if (view.commands.length > 0) {
    body.push({ type: 'TextBlock', text: 'Run', weight: 'Bolder', spacing: 'Medium' }, ...view.commands.map((command) => ({ type: 'TextBlock', text: command, fontType: 'Monospace', wrap: true, spacing: 'Small' })));
  }
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  };
  if (view.links.length > 0) card['actions'] = view.links.map((link) => ({ type: 'Action.OpenUrl', title: link.label, url: link.url }));
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
