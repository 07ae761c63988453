/** Text helpers shared by the formatters: length limits and the plain-text body. */
import type { AlertView } from './view.ts';

/** `text` cut to `max` characters (an ellipsis marks the cut), never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** The plain-text body every service gets in some form: summary, what to do, commands. */
export function plainText(view: AlertView): string {
  const lines = [view.title, '', view.summary, '', `What to do: ${view.action}`];
  if (view.commands.length > 0) lines.push('', 'Run:', ...view.commands.map((command) => `  ${command}`));
  if (view.links.length > 0) lines.push('', ...view.links.map((link) => `${link.label}: ${link.url}`));
  return lines.join('\n');
}

/** The emoji-free word of a severity, for card colours. */
export const SEVERITY_WORD: Record<AlertView['severity'], string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'RESOLVED' };
