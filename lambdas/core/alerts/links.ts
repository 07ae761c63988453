/**
 * The links and commands of an alert: the console page of a Batch job, a CloudWatch Logs
 * Insights query for the change (type + id) over the apply and verify log groups, the alarm's
 * console page, and the `freshindex` CLI command to run.
 */
/** A link an operator follows (a console page, a Logs Insights query). */
export interface AlertLink {
  label: string;
  url: string;
}

/** What the links are built from (the delivery function's environment). */
export interface LinkSettings {
  /** AWS_REGION of the delivery function: the region of the console links. */
  region?: string | undefined;
  /** The ops API URL (FRESHINDEX_API_URL): added to the CLI commands as `--endpoint`. */
  apiUrl?: string | undefined;
  /** Log groups of the apply and verify functions (FRESHINDEX_LOG_GROUPS), for the Logs Insights query. */
  logGroups?: readonly string[] | undefined;
}

/** What an alert is about, as the links need it. */
export interface LinkTarget {
  kind: string;
  type?: string | undefined;
  id?: string | undefined;
  details: Record<string, unknown>;
  /** ISO 8601. */
  at: string;
}

/** How far around the alert the Logs Insights query looks. */
const QUERY_BEFORE_MS = 60 * 60_000;
const QUERY_AFTER_MS = 15 * 60_000;

/** The console links of a freshindex alert: the Batch job when `details.jobId` is set, the Logs Insights query of its type (and id). */
export function consoleLinks(target: LinkTarget, settings: LinkSettings): AlertLink[] {
  const region = settings.region;
  if (!region) return [];
  const links: AlertLink[] = [];
  const jobId = target.details['jobId'];
  if (typeof jobId === 'string' && jobId !== '') {
    links.push({ label: 'Batch job', url: `${consoleBase(region)}/batch/home?region=${region}#jobs/detail/${encodeURIComponent(jobId)}` });
  }
  const query = logsInsightsUrl(target, region, settings.logGroups ?? []);
  if (query) links.push({ label: target.id === undefined ? 'Logs of the type' : 'Logs of the change', url: query });
  return links;
}

/** The links of an alarm: its console page, and the Logs Insights query of its type. */
export function alarmLinks(alarmName: string, alarmArn: string | undefined, target: LinkTarget, settings: LinkSettings): AlertLink[] {
  const region = regionOfArn(alarmArn) ?? settings.region;
  if (!region) return [];
  const links: AlertLink[] = [{ label: 'Alarm', url: `${consoleBase(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}` }];
  const query = target.type === undefined ? undefined : logsInsightsUrl(target, region, settings.logGroups ?? []);
  if (query) links.push({ label: 'Logs of the type', url: query });
  return links;
}

/**
 * The CLI commands an operator runs for an alert, most useful first. Each names `--endpoint`
 * when the API URL is known (without it, the CLI talks to `freshindex dev`).
 */
export function commandsFor(target: LinkTarget, settings: LinkSettings): string[] {
  const { type, id } = target;
  const t = type === undefined ? undefined : shellWord(type);
  const r = id === undefined ? undefined : shellWord(id);
  const commands: string[] = [];
  switch (target.kind) {
    case 'resource-quarantined':
      if (t && r) commands.push(`freshindex get ${t} ${r}`, `freshindex reindex ${t} ${r}`, `freshindex quarantine release ${t} ${r}`);
      break;
    case 'audit-drift':
      if (t) commands.push(`freshindex status ${t}`, `freshindex rebuild ${t}`);
      break;
    case 'build-failed':
    case 'build-interrupted':
    case 'batch-job-failed':
    case 'batch-job-stuck':
      if (t) commands.push(`freshindex status ${t}`, `freshindex rebuild ${t}`);
      break;
    case 'alarm':
      {
        // `freshindex dlq` reads the apply and verify dead-letter queues; others (alert delivery) have no command.
        const queue = /DeadLetters-(apply|verify)\b/.exec(String(target.details['alarmName'] ?? ''))?.[1];
        if (queue) commands.push(t ? `freshindex dlq list ${t} --queue ${queue}` : `freshindex dlq list --queue ${queue}`);
      }
      break;
  }
  if (commands.length === 0) {
    if (t && r) commands.push(`freshindex get ${t} ${r}`);
    commands.push(t ? `freshindex status ${t}` : 'freshindex status');
  }
  return settings.apiUrl ? commands.map((command) => `${command} --endpoint ${shellWord(settings.apiUrl as string)}`) : commands;
}

/**
 * A CloudWatch Logs Insights console link running the query of the alert's type (and id) over
 * the log groups, from an hour before the alert to 15 minutes after it; `undefined` without a
 * type or log groups.
 */
export function logsInsightsUrl(target: LinkTarget, region: string, logGroups: readonly string[]): string | undefined {
  if (target.type === undefined || logGroups.length === 0) return undefined;
  const at = Date.parse(target.at);
  const filters = [`type = ${JSON.stringify(target.type)}`, ...(target.id === undefined ? [] : [`id = ${JSON.stringify(target.id)}`])];
  const query = [`fields @timestamp, @log, level, message, type, id, reason`, `| filter ${filters.join(' and ')}`, '| sort @timestamp desc', '| limit 200'].join('\n');
  const detail = Number.isNaN(at)
    ? { end: 0, start: -86_400, timeType: 'RELATIVE', unit: 'seconds', editorString: query, source: [...logGroups] }
    : { end: new Date(at + QUERY_AFTER_MS).toISOString(), start: new Date(at - QUERY_BEFORE_MS).toISOString(), timeType: 'ABSOLUTE', tz: 'UTC', editorString: query, source: [...logGroups] };
  return `${consoleBase(region)}/cloudwatch/home?region=${region}#logsV2:logs-insights$3FqueryDetail$3D${jsurl(detail)}`;
}

/** The console's host for a region (China and GovCloud have their own). */
function consoleBase(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

function regionOfArn(arn: string | undefined): string | undefined {
  const region = arn?.split(':')[3];
  return region ? region : undefined;
}

/**
 * The JSURL notation the CloudWatch console reads its query details in (`~(key~value)`,
 * strings `'...` with `*XX` escapes): numbers, strings, arrays and plain objects only.
 */
function jsurl(value: unknown): string {
  if (typeof value === 'number') return `~${value}`;
  if (typeof value === 'string') return `~'${jsurlEscape(value)}`;
  if (Array.isArray(value)) return `~(${value.map(jsurl).join('') || '~'})`;
  const entries = Object.entries(value as Record<string, unknown>).map(([key, inner]) => `${jsurlEscape(key)}${jsurl(inner)}`);
  return `~(${entries.join('~') || '~'})`;
}

function jsurlEscape(text: string): string {
  return text.replace(/[^\w.-]/g, (char) => {
    if (char === '$') return '!';
    const code = char.charCodeAt(0);
    return code < 0x100 ? `*${code.toString(16).padStart(2, '0')}` : `**${code.toString(16).padStart(4, '0')}`;
  });
}

/** A word the shell takes as it is: quoted when it holds anything but safe characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
