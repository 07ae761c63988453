/**
 * The payload shapes each chat service documents, as zod schemas the local webhook server checks
 * requests against (limits from the services' references):
 * - Slack incoming webhooks, Block Kit: `text` fallback; header ≤ 150 characters of plain_text,
 *   section text ≤ 3,000 or ≤ 10 fields of ≤ 2,000, buttons of ≤ 75 characters with a url, ≤ 50 blocks.
 * - Teams workflow webhooks: `{ type: 'message', attachments: [{ contentType:
 *   'application/vnd.microsoft.card.adaptive', content: <AdaptiveCard> }] }`, card version ≤ 1.5.
 * - DingTalk custom robot, markdown: `{ msgtype: 'markdown', markdown: { title, text } }`.
 * - Feishu / Lark custom bot, card: `{ msg_type: 'interactive', card: { header, elements } }` and,
 *   when signed, `timestamp` (seconds, as a string) and `sign`.
 */
import { z } from 'zod';

const plainText = (max: number) => z.object({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) => z.object({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max) });

export const slackShape = z.object({
  text: z.string().min(1),
  blocks: z
    .array(
      z.union([
        z.object({ type: z.literal('header'), text: plainText(150) }).strict(),
        z.object({ type: z.literal('section'), text: mrkdwn(3000) }).strict(),
        z.object({ type: z.literal('section'), fields: z.array(mrkdwn(2000)).min(1).max(10) }).strict(),
        z
          .object({
            type: z.literal('actions'),
            elements: z.array(z.object({ type: z.literal('button'), action_id: z.string().max(255), text: plainText(75), url: z.url().max(3000) }).strict()).min(1).max(25),
          })
          .strict(),
      ]),
    )
    .min(1)
    .max(50),
});

const adaptiveElement = z.union([
  z.object({ type: z.literal('TextBlock'), text: z.string().min(1) }).passthrough(),
  z.object({ type: z.literal('FactSet'), facts: z.array(z.object({ title: z.string(), value: z.string() }).strict()).min(1) }).strict(),
]);

export const teamsShape = z
  .object({
    type: z.literal('message'),
    attachments: z
      .array(
        z
          .object({
            contentType: z.literal('application/vnd.microsoft.card.adaptive'),
            contentUrl: z.null().optional(),
            content: z
              .object({
                $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
                type: z.literal('AdaptiveCard'),
                version: z.string().regex(/^1\.[0-5]$/),
                body: z.array(adaptiveElement).min(1),
                actions: z.array(z.object({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: z.url() }).strict()).optional(),
                msteams: z.object({ width: z.literal('Full') }).optional(),
              })
              .strict(),
          })
          .strict(),
      )
      .length(1),
  })
  .strict();

export const dingtalkShape = z.object({ msgtype: z.literal('markdown'), markdown: z.object({ title: z.string().min(1), text: z.string().min(1) }).strict() }).strict();

const larkText = z.object({ tag: z.enum(['lark_md', 'plain_text']), content: z.string().min(1) }).strict();

export const feishuShape = z
  .object({
    timestamp: z.string().regex(/^\d{10}$/).optional(),
    sign: z.string().min(1).optional(),
    msg_type: z.literal('interactive'),
    card: z
      .object({
        config: z.object({ wide_screen_mode: z.boolean() }).optional(),
        header: z.object({ template: z.enum(['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey']), title: z.object({ tag: z.literal('plain_text'), content: z.string().min(1) }).strict() }).strict(),
        elements: z
          .array(
            z.union([
              z.object({ tag: z.literal('div'), text: larkText }).strict(),
              z.object({ tag: z.literal('div'), fields: z.array(z.object({ is_short: z.boolean(), text: larkText }).strict()).min(1) }).strict(),
              z.object({ tag: z.literal('hr') }).strict(),
              z.object({ tag: z.literal('action'), actions: z.array(z.object({ tag: z.literal('button'), text: larkText, type: z.enum(['default', 'primary', 'danger']), url: z.url() }).strict()).min(1) }).strict(),
            ]),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();
