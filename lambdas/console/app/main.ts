/// <reference lib="dom" />
/**
 * The console's entry: lists the types, then polls the ops API every 2 seconds for the selected
 * type's status, metrics and quarantine (and the inspected record), updating the panels in place.
 */
import type { TypeStatus } from '../../api/status.ts';
import { api, ApiProblem, typePath } from './api.ts';
import { Charts, type Series } from './charts.ts';
import { DeadLetterPanel } from './dead-letter-panel.ts';
import { byId, fill, h } from './dom.ts';
import { Inspector } from './inspector.ts';
import { renderQuarantine, type QuarantineEntry } from './quarantine-panel.ts';
import { renderStatus, wireTypeActions } from './status-panel.ts';

/** How often the page asks the API by default (at most a few seconds behind); `?refresh=SECONDS` (0.25 to 60) changes it. */
const DEFAULT_POLL_MS = 2_000;

function pollInterval(params: URLSearchParams): number {
  const wanted = Number(params.get('refresh')) * 1000;
  return wanted >= 250 && wanted <= 60_000 ? wanted : DEFAULT_POLL_MS;
}

async function start(): Promise<void> {
  const select = byId<HTMLSelectElement>('type');
  const { types } = await api<{ types: TypeStatus[] }>('GET', '/v1/types');
  fill(select, ...types.map((status) => h('option', { value: status.type }, status.type)));
  const params = new URLSearchParams(location.search);
  const every = pollInterval(params);
  const wanted = params.get('type');
  if (wanted && types.some((status) => status.type === wanted)) select.value = wanted;
  const selected = () => select.value;
  const charts = new Charts();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    clearTimeout(timer);
    await refresh(selected(), { charts, inspector, deadLetters }, () => void poll());
    timer = setTimeout(() => void poll(), every);
  };
  const inspector = new Inspector(selected, () => void poll());
  const deadLetters = new DeadLetterPanel(() => void poll());
  wireTypeActions(selected, () => void poll());
  select.addEventListener('change', () => void poll());
  await poll();
}

/** The panels that poll on their own. */
interface Panels {
  charts: Charts;
  inspector: Inspector;
  deadLetters: DeadLetterPanel;
}

async function refresh(type: string, { charts, inspector, deadLetters }: Panels, again: () => void): Promise<void> {
  const line = byId('connection');
  try {
    const [status, series, quarantine] = await Promise.all([
      api<TypeStatus>('GET', typePath(type)),
      api<Series>('GET', `${typePath(type, 'metrics')}?minutes=15`),
      api<{ items: QuarantineEntry[] }>('GET', typePath(type, 'quarantine')),
      inspector.poll(),
      deadLetters.poll(),
    ]);
    renderStatus(status);
    charts.update(series);
    renderQuarantine(type, quarantine.items, (id) => void inspector.open(id), again);
    line.textContent = `Live: updated ${new Date().toLocaleTimeString()}`;
    line.className = 'live';
  } catch (error) {
    line.textContent = `Not updating: ${error instanceof ApiProblem ? error.message : String(error)}`;
    line.className = 'stale';
  }
}

start().catch((error: unknown) => {
  byId('connection').textContent = `The console could not start: ${error instanceof Error ? error.message : String(error)}`;
});
