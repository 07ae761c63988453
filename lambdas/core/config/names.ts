import { z } from 'zod';

/** The name rule of types and event types: lower-case letters, digits, `-` and `_`, at most 40 characters (a change event's `type`). */
export const TYPE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** A type or event-type name, refused with the rule. */
export const typeNameSchema = z.string().regex(TYPE_NAME, { message: `must match ${TYPE_NAME.source}` });
