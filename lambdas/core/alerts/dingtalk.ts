/**
 * DingTalk custom robots: the `markdown` message type (`title` shows in the conversation list,
 * `text` in the chat). A robot with the keyword security setting only takes messages holding one
 * of its keywords: every title starts with `[freshindex`, so "freshindex" is a keyword that works.
 * The signature (timestamp and sign query parameters) is added when it is sent, not here.
 */
import { clip, SEVERITY_WORD } from './text.ts';
import type { AlertView } from './view.ts';

/** DingTalk's markdown message allows about 20,000 bytes; stay well within. */
const MAX_TEXT = 4_000;

/** The body of a DingTalk custom robot POST for an alert. */
export function dingtalkMessage(view: AlertView): Record<string, unknown> {
  const lines = [`### ${view.title}`, '', `**${SEVERITY_WORD[view.severity]}** ${view.summary}`, ''];
  for (const fact of view.facts) lines.push(`- **${fact.name}**: ${fact.value}`);
  lines.push('', `**What to do**: ${view.action}`);
  if (view.commands.length > 0) lines.push('', '**Run**:', '', ...view.commands.flatMap((command) => [`> ${command}`, '']));
  if (view.links.length > 0) lines.push('', view.links.map((link) => `[${link.label}](${link.url})`).join(' | '));
  return { msgtype: 'markdown', markdown: { title: clip(view.title, 100), text: clip(lines.join('\n'), MAX_TEXT) } };
}
