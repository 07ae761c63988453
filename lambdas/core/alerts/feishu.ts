/**
 * Feishu / Lark custom bots: an `interactive` message (a message card: a coloured header, lark_md
 * text, fields, and buttons opening the links). The signature (`timestamp` and `sign` in the
 * body) is added when it is sent, not here.
 */
import { clip } from './text.ts';
import type { AlertView } from './view.ts';

const TEMPLATE: Record<AlertView['severity'], string> = { critical: 'red', warning: 'orange', info: 'green' };

/** The body of a Feishu / Lark custom bot POST for an alert. */
export function feishuMessage(view: AlertView): Record<string, unknown> {
  const elements: Array<Record<string, unknown>> = [{ tag: 'div', text: { tag: 'lark_md', content: clip(view.summary, 2000) } }];
  if (view.facts.length > 0) {
    elements.push({
      tag: 'div',
      fields: view.facts.map((fact) => ({ is_short: true, text: { tag: 'lark_md', content: `**${fact.name}**\n${fact.value}` } })),
    });
  }
  elements.push({ tag: 'hr' }, { tag: 'div', text: { tag: 'lark_md', content: clip(`**What to do**\n${view.action}`, 2000) } });
  if (view.commands.length > 0) {
    elements.push({ tag: 'div', text: { tag: 'plain_text', content: clip(`Run:\n${view.commands.join('\n')}`, 2000) } });
  }
  if (view.links.length > 0) {
    elements.push({ tag: 'action', actions: view.links.map((link) => ({ tag: 'button', text: { tag: 'plain_text', content: link.label }, type: 'default', url: link.url })) });
  }
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: TEMPLATE[view.severity], title: { tag: 'plain_text', content: clip(view.title, 100) } },
      elements,
    },
  };
}
