/**
 * The checks across types (duplicate names, the fan-out graph, the events captures publish). They
 * run on the parsed config, and on a lenient view of the raw input when the parse failed
 * elsewhere: zod skips a config's refinements once a field fails, and a config must fail naming
 * every problem at once.
 */
import { checkFanoutGraph } from './fanout.ts';
import { TYPE_NAME } from './names.ts';

/** What the checks read of a config. */
export interface ConfigGraph {
  events: readonly string[];
  types: ReadonlyArray<{ name: string; listensTo?: Readonly<Record<string, unknown>> | undefined; captureEvent?: string | undefined }>;
  capturedTables: ReadonlyArray<{ event: string }>;
}

type AddIssue = (path: Array<string | number>, message: string) => void;

/** The graph of a parsed config. */
export function graphOfConfig(config: {
  events: readonly string[];
  types: ReadonlyArray<{ name: string; listensTo?: Readonly<Record<string, unknown>> | undefined; source: { type: string; capture?: { event?: string | undefined } | undefined } }>;
  capture?: { postgres?: { tables: ReadonlyArray<{ event: string }> } | undefined } | undefined;
}): ConfigGraph {
  return {
    events: config.events,
    types: config.types.map((type) => ({ name: type.name, listensTo: type.listensTo, captureEvent: type.source.type === 'dynamodb' ? type.source.capture?.event : undefined })),
    capturedTables: config.capture?.postgres?.tables ?? [],
  };
}

/** The graph of raw input, keeping only what is well-formed enough to check (its own problems are named by the parse). */
export function graphOfInput(input: unknown): ConfigGraph {
  const root = record(input);
  const names = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && TYPE_NAME.test(item)) : []);
  const types = Array.isArray(root?.['types']) ? root['types'] : [];
  const tables = record(record(root?.['capture'])?.['postgres'])?.['tables'];
  return {
    events: names(root?.['events']),
    types: types.map((raw) => {
      const type = record(raw);
      const listensTo = record(type?.['listensTo']);
      const source = record(type?.['source']);
      const captureEvent = source?.['type'] === 'dynamodb' ? record(source['capture'])?.['event'] : undefined;
      return {
        name: typeof type?.['name'] === 'string' ? type['name'] : '',
        listensTo: listensTo ? Object.fromEntries(Object.entries(listensTo).filter(([event]) => TYPE_NAME.test(event))) : undefined,
        captureEvent: typeof captureEvent === 'string' && TYPE_NAME.test(captureEvent) ? captureEvent : undefined,
      };
    }),
    capturedTables: Array.isArray(tables) ? tables.map((table) => record(table)?.['event']).filter((event): event is string => typeof event === 'string' && TYPE_NAME.test(event)).map((event) => ({ event })) : [],
  };
}

/** Runs every check across types, reporting each problem at its path. */
export function checkAcrossTypes(graph: ConfigGraph, addIssue: AddIssue): void {
  const seen = new Set<string>();
  graph.types.forEach((type, index) => {
    if (type.name !== '' && seen.has(type.name)) addIssue(['types', index, 'name'], `duplicate type name "${type.name}"`);
    seen.add(type.name);
  });
  checkFanoutGraph(graph, addIssue);
  checkCapturedEvents(graph, addIssue);
}

/**
 * Every event a capture publishes (a Postgres table's rows, a DynamoDB source's stream) is a type or
 * a declared event: otherwise each of them would be dead-lettered as of an unknown type.
 */
function checkCapturedEvents(graph: ConfigGraph, addIssue: AddIssue): void {
  const known = new Set([...graph.types.map((type) => type.name), ...graph.events]);
  // A malformed name has its own problem already; one message per mistake.
  const unknown = (event: string) => TYPE_NAME.test(event) && !known.has(event);
  const message = (event: string) => `unknown event type "${event}": name a type or declare it in events (a type listening to it in listensTo)`;
  graph.capturedTables.forEach((table, index) => {
    if (unknown(table.event)) addIssue(['capture', 'postgres', 'tables', index, 'event'], message(table.event));
  });
  graph.types.forEach((type, index) => {
    if (type.captureEvent !== undefined && unknown(type.captureEvent)) addIssue(['types', index, 'source', 'capture', 'event'], message(type.captureEvent));
  });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
