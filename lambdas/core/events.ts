import { z } from 'zod';
import { InvalidChangeError } from './errors.ts';
import { normalizeVersion, versionShape } from './version.ts';

/**
 * The `version` field: validated by `normalizeVersion`, the one rule for versions, so the reason
 * it gives is the reason the dead letter carries. Its JSON Schema is `versionShape`'s.
 */
const versionField = z
  .custom<number | string>((value) => (typeof value === 'number' || typeof value === 'string') && normalizeVersion(value).ok, {
    error: (issue) => {
      const result = normalizeVersion(issue.input);
      return result.ok ? 'expected a number or a string' : result.reason;
    },
  })
  .describe(
    'The source version after the change: a non-negative safe integer (at most 2^53 - 1), a decimal string of one, or an RFC 3339 date-time with seconds and an offset (from 1970 on; precision kept to the millisecond). Deletes should carry it.',
  );

/**
 * The change event a CMS publishes for every edit (see docs/change-events.md).
 * `doc`, when present, is the whole document after the change; without it the applier reads
 * the document from the source.
 */
export const changeEventSchema = z
  .object({
    type: z.string().min(1).max(40).describe('The resource type, as named in the freshindex config.'),
    id: z.string().min(1).max(512).describe('The resource id.'),
    op: z.enum(['upsert', 'delete']).describe('What happened to the resource.'),
    version: versionField.optional(),
    doc: z.record(z.string(), z.unknown()).optional().describe('The whole document after an upsert. Optional.'),
    occurredAt: z.iso.datetime({ offset: true }).optional().describe('When the edit happened (ISO-8601). Used for the freshness-lag metric.'),
    listener: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .describe('Only for this listening type: the event goes to its listensTo mapping alone, not to its own type or other listeners. Set on a dead-lettered fan-out mapping, so its redrive re-runs that mapping only.'),
  })
  .strict()
  .refine((event) => !(event.op === 'delete' && event.doc !== undefined), {
    message: 'a delete carries no doc',
    path: ['doc'],
  })
  .describe('A freshindex change event');

export type ChangeEvent = z.output<typeof changeEventSchema>;

/** The JSON Schema (draft 2020-12) of a change event, for producers to validate against. */
export function changeEventJsonSchema(): Record<string, unknown> {
  const shape = z.toJSONSchema(versionShape, { target: 'draft-2020-12' });
  delete shape.$schema;
  return z.toJSONSchema(changeEventSchema, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (context) => {
      if (context.zodSchema === versionField) Object.assign(context.jsonSchema, shape);
    },
  }) as Record<string, unknown>;
}

/**
 * Parses an SQS message body holding a change event, raw or wrapped in an SNS envelope.
 * Throws `InvalidChangeError` naming what is wrong.
 */
export function parseChangeMessage(body: string): ChangeEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new InvalidChangeError(`message body is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (isSnsEnvelope(parsed)) {
    try {
      parsed = JSON.parse(parsed.Message);
    } catch (error) {
      throw new InvalidChangeError(`SNS Message is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return parseChangeEvent(parsed);
}

/** Validates an already-parsed change event. Throws `InvalidChangeError` naming every bad field. */
export function parseChangeEvent(value: unknown): ChangeEvent {
  const result = changeEventSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
  throw new InvalidChangeError(`invalid change event: ${problems.join('; ')}`);
}

function isSnsEnvelope(value: unknown): value is { Type: string; Message: string } {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return candidate['Type'] === 'Notification' && typeof candidate['Message'] === 'string';
}
