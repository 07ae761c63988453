/**
 * Slack incoming webhooks: Block Kit `blocks` and a `text` fallback (shown in notifications and
 * where blocks cannot be). Limits from Slack's Block Kit reference: header text 150 characters,
 * section text 3,000, at most 10 fields of 2,000, button text 75, at most 50 blocks.
 */
import { clip, plainText } from './text.ts';
import type { AlertView } from './view.ts';

const EMOJI: Record<AlertView['severity'], string> = { critical: ':rotating_light:', warning: ':warning:', info: ':white_check_mark:' };

/** The body of a Slack incoming webhook POST for an alert. */
export function slackMessage(view: AlertView): Record<string, unknown> {
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${EMOJI[view.severity]} ${view.title}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escape(view.summary), 3000) } },
  ];
  if (view.facts.length > 0) {
    blocks.push({ type: 'section', fields: view.facts.slice(0, 10).map((fact) => ({ type: 'mrkdwn', text: clip(`*${escape(fact.name)}*\n${escape(fact.value)}`, 2000) })) });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*What to do*\n${escape(view.action)}`, 3000) } });
  if (view.commands.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Run*\n\`\`\`${view.commands.map(escape).join('\n')}\`\`\``, 3000) } });
  }
  if (view.links.length > 0) {
    blocks.push({
      type: 'actions',
      elements: view.links.slice(0, 25).map((link, index) => ({ type: 'button', action_id: `link-${index}`, text: { type: 'plain_text', text: clip(link.label, 75) }, url: link.url })),
    });
  }
  return { text: clip(plainText(view), 3000), blocks };
}

/** Slack's three control characters in mrkdwn and text. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
