/**
 * One alert view for every message on the alerts topic: a freshindex `Alert` (JSON), a CloudWatch
 * alarm notification (the standard SNS alarm JSON), or anything else (a generic alert carrying the
 * raw text: nothing is dropped). The formatters of each chat service read this view only.
 */
import { z } from 'zod';
import { alarmLinks, commandsFor, consoleLinks, type AlertLink, type LinkSettings } from './links.ts';

export type { AlertLink } from './links.ts';

/** Where an alert came from. */
export type AlertOrigin = 'freshindex' | 'cloudwatch-alarm' | 'unrecognized';

/** How urgent an alert is: `info` is a resolved alarm (state OK). */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** A name and value shown side by side (Slack fields, a Teams fact set). */
export interface AlertFact {
  name: string;
  value: string;
}

/** An alert as every formatter sees it: what happened, to which type and resource, what to do, with links. */
export interface AlertView {
  origin: AlertOrigin;
  /** `build-failed`, `resource-quarantined`, `audit-drift`, `batch-job-failed`..., `alarm` for CloudWatch alarms, `unrecognized` otherwise. */
  kind: string;
  severity: AlertSeverity;
  /** One line: `[freshindex critical] ...`. */
  title: string;
  type?: string;
  id?: string;
  /** What happened. */
  summary: string;
  /** What to do next. */
  action: string;
  facts: AlertFact[];
  links: AlertLink[];
  /** CLI commands to run, complete with `--endpoint` when the API URL is known. */
  commands: string[];
  /** When it happened (ISO 8601). */
  at: string;
  /** The alert's own details (freshindex), the alarm notification, or `{ text }` of a message not recognized. */
  details: Record<string, unknown>;
}

/** One message of the alerts topic, as SNS delivers it. */
export interface AlertMessage {
  /** The SNS message body. */
  message: string;
  subject?: string | undefined;
  /** When SNS received it (ISO 8601). */
  timestamp?: string | undefined;
}

const freshindexAlert = z.object({
  kind: z.string().min(1),
  severity: z.enum(['warning', 'critical']),
  type: z.string(),
  id: z.string().optional(),
  summary: z.string(),
  action: z.string(),
  details: z.record(z.string(), z.unknown()).default({}),
  at: z.union([z.number(), z.string()]),
});

const dimensionList = z.array(z.object({ name: z.string(), value: z.string() })).nullish();

const alarmNotification = z.object({
  AlarmName: z.string().min(1),
  NewStateValue: z.string(),
  AlarmDescription: z.string().nullish(),
  NewStateReason: z.string().nullish(),
  OldStateValue: z.string().nullish(),
  StateChangeTime: z.string().nullish(),
  AlarmArn: z.string().nullish(),
  Trigger: z
    .object({
      MetricName: z.string().nullish(),
      Namespace: z.string().nullish(),
      Dimensions: dimensionList,
      // Metric-math alarms (error rates) name their metrics here instead, each with its dimensions.
      Metrics: z
        .array(z.object({ MetricStat: z.object({ Metric: z.object({ MetricName: z.string().nullish(), Dimensions: dimensionList }).passthrough() }).passthrough().nullish() }).passthrough())
        .nullish(),
    })
    .passthrough()
    .nullish(),
});

/**
 * The view of one message of the alerts topic. Never throws: a message that is neither a
 * freshindex alert nor an alarm notification becomes an `unrecognized` warning with its text.
 *
 * @example
 * const view = alertViewOf({ message: record.Sns.Message, subject: record.Sns.Subject }, { region: 'eu-west-1' });
 */
export function alertViewOf(message: AlertMessage, settings: LinkSettings): AlertView {
  const json = parseJson(message.message);
  const alert = freshindexAlert.safeParse(json);
  if (alert.success) return freshindexView(alert.data, settings);
  const alarm = alarmNotification.safeParse(json);
  if (alarm.success) return alarmView(alarm.data, json as Record<string, unknown>, message.timestamp, settings);
  return unrecognizedView(message, settings);
}

function freshindexView(alert: z.output<typeof freshindexAlert>, settings: LinkSettings): AlertView {
  const at = isoOf(alert.at);
  const where = alert.id === undefined ? alert.type : `${alert.type}/${alert.id}`;
  const facts: AlertFact[] = [
    { name: 'Kind', value: alert.kind },
    { name: alert.id === undefined ? 'Type' : 'Resource', value: where },
    ...detailFacts(alert.details),
    { name: 'At', value: at },
  ];
  const target = { kind: alert.kind, type: alert.type, id: alert.id, details: alert.details, at };
  return {
    origin: 'freshindex',
    kind: alert.kind,
    severity: alert.severity,
    title: `[freshindex ${alert.severity}] ${oneLine(alert.summary)}`,
    type: alert.type,
    ...(alert.id === undefined ? {} : { id: alert.id }),
    summary: alert.summary,
    action: alert.action,
    facts,
    links: consoleLinks(target, settings),
    commands: commandsFor(target, settings),
    at,
    details: alert.details,
  };
}

/** The dimensions of a metric-math alarm's metrics, each once (its `type` among them). */
function mathDimensions(alarm: z.output<typeof alarmNotification>): Array<{ name: string; value: string }> {
  const seen = new Map<string, { name: string; value: string }>();
  for (const metric of alarm.Trigger?.Metrics ?? []) {
    for (const dimension of metric.MetricStat?.Metric.Dimensions ?? []) seen.set(`${dimension.name}=${dimension.value}`, dimension);
  }
  return [...seen.values()];
}

function alarmView(alarm: z.output<typeof alarmNotification>, raw: Record<string, unknown>, received: string | undefined, settings: LinkSettings): AlertView {
  const dimensions = alarm.Trigger?.Dimensions?.length ? alarm.Trigger.Dimensions : mathDimensions(alarm);
  const type = dimensions.find((dimension) => dimension.name === 'type')?.value;
  const state = alarm.NewStateValue;
  const severity: AlertSeverity = state === 'ALARM' ? 'critical' : state === 'OK' ? 'info' : 'warning';
  const at = isoOf(alarm.StateChangeTime ?? received ?? 0);
  const metric = alarm.Trigger?.MetricName ? `${alarm.Trigger.Namespace ?? ''}${alarm.Trigger.Namespace ? '/' : ''}${alarm.Trigger.MetricName}` : undefined;
  const facts: AlertFact[] = [
    { name: 'Alarm', value: alarm.AlarmName },
    { name: 'State', value: alarm.OldStateValue ? `${alarm.OldStateValue} → ${state}` : state },
    ...(metric ? [{ name: 'Metric', value: metric }] : []),
    ...dimensions.map((dimension) => ({ name: dimension.name, value: dimension.value })),
    { name: 'At', value: at },
  ];
  const target = { kind: 'alarm', type, details: { alarmName: alarm.AlarmName, metricName: alarm.Trigger?.MetricName ?? undefined }, at };
  const resolved = state === 'OK';
  return {
    origin: 'cloudwatch-alarm',
    kind: 'alarm',
    severity,
    title: `[freshindex ${resolved ? 'resolved' : severity}] ${state}: ${alarm.AlarmName}`,
    ...(type === undefined ? {} : { type }),
    summary: alarm.NewStateReason ?? `${alarm.AlarmName} is ${state}`,
    action: resolved ? 'Nothing to do: the alarm is back to OK.' : (alarm.AlarmDescription ?? 'Look at the alarm in the CloudWatch console.'),
    facts,
    links: alarmLinks(alarm.AlarmName, alarm.AlarmArn ?? undefined, target, settings),
    commands: resolved ? [] : commandsFor(target, settings),
    at,
    details: raw,
  };
}

function unrecognizedView(message: AlertMessage, settings: LinkSettings): AlertView {
  const at = isoOf(message.timestamp ?? 0);
  const subject = message.subject?.trim();
  return {
    origin: 'unrecognized',
    kind: 'unrecognized',
    severity: 'warning',
    title: `[freshindex warning] ${oneLine(subject || message.message || '(empty message)')}`,
    summary: message.message || '(empty message)',
    action: 'This message is not in a format freshindex knows (a freshindex alert or a CloudWatch alarm): read it as it is.',
    facts: [{ name: 'At', value: at }],
    links: [],
    commands: commandsFor({ kind: 'unrecognized', at, details: {} }, settings),
    at,
    details: { text: message.message, ...(subject ? { subject } : {}) },
  };
}

/** Details shown as facts, at most; the generic JSON keeps them all. */
const MAX_DETAIL_FACTS = 8;
/** Characters of one fact's value (lists and objects as compact JSON) before it is cut. */
const MAX_FACT_CHARS = 400;

/**
 * The details as facts, lists and objects included (a quarantine's differences, a failed build's
 * reasons and samples): the action text points to them, so a chat message must carry them.
 */
function detailFacts(details: Record<string, unknown>): AlertFact[] {
  return Object.entries(details)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .slice(0, MAX_DETAIL_FACTS)
    .map(([name, value]) => ({ name, value: clip(typeof value === 'object' ? JSON.stringify(value) : String(value)) }));
}

function clip(text: string): string {
  return text.length <= MAX_FACT_CHARS ? text : `${text.slice(0, MAX_FACT_CHARS - 1)}…`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isoOf(at: number | string): string {
  const date = new Date(typeof at === 'number' ? at : Date.parse(at));
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString();
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 150 ? line : `${line.slice(0, 149)}…`;
}
