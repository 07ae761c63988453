/// <reference lib="dom" />
/**
 * The record inspector: an id in, the index record next to transform(source document now), the
 * fields that differ marked (colour and a ≠ sign), where readers are served it from, and a
 * reindex button. The inspected record is fetched again on every poll.
 */
import { api, ApiProblem, typePath } from './api.ts';
import { confirmAction, problemLines } from './confirm.ts';
import { byId, fill, h } from './dom.ts';

/** GET /v1/types/{type}/records/{id}. */
interface Inspection {
  type: string;
  id: string;
  generation: number | null;
  index: { generation: number; version: number; hash: string; deleted: boolean; writtenAt: string; record?: unknown } | null;
  expected: { found: boolean; version?: number; hash?: string; record?: unknown; transformError?: string };
  comparison: { equal: boolean; difference: { kind: string; summary: string } | null };
  quarantine: { since: string; lastDifference: string } | null;
}

/** The inspector of the page. */
export class Inspector {
  #id: string | undefined;
  #shown = '';

  constructor(
    private readonly type: () => string,
    private readonly refresh: () => void,
  ) {
    byId<HTMLFormElement>('inspect-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const id = byId<HTMLInputElement>('inspect-id').value.trim();
      if (id) void this.open(id);
    });
  }

  /** Shows resource `id` of the selected type. */
  async open(id: string): Promise<void> {
    this.#id = id;
    this.#shown = '';
    byId<HTMLInputElement>('inspect-id').value = id;
    await this.poll();
    byId('inspector').scrollIntoView({ block: 'nearest' });
  }

  /** Fetches the inspected record again (each poll). */
  async poll(): Promise<void> {
    const id = this.#id;
    if (id === undefined) return;
    const result = byId('inspect-result');
    try {
      const inspection = await api<Inspection>('GET', typePath(this.type(), 'records', id));
      const key = JSON.stringify(inspection);
      if (key === this.#shown || id !== this.#id) return;
      this.#shown = key;
      fill(result, ...this.render(inspection));
    } catch (error) {
      this.#shown = '';
      fill(result, h('div', { class: 'problem', role: 'alert' }, ...problemLines(error instanceof ApiProblem ? error : new ApiProblem(0, { detail: String(error) }))));
    }
  }

  private render(inspection: Inspection): Node[] {
    const indexRecord = inspection.index && !inspection.index.deleted ? inspection.index.record : undefined;
    const expected = inspection.expected.record;
    const differing = differingKeys(indexRecord, expected);
    const servedFrom = inspection.quarantine
      ? 'the source (fallback): the resource is quarantined'
      : inspection.generation === null
        ? 'nowhere yet: the type has no active generation'
        : `the index, generation ${inspection.generation}`;
    return [
      h('p', { id: 'inspect-verdict', class: inspection.comparison.equal ? 'ok' : 'bad' }, inspection.comparison.equal ? '✓ The index matches the source.' : `≠ ${inspection.comparison.difference?.summary ?? 'They differ.'}`),
      h('p', {}, `Readers are served it from ${servedFrom}.`),
      h(
        'div',
        { class: 'side-by-side' },
        side('Index record', inspection.index ? `generation ${inspection.index.generation}, version ${inspection.index.version}${inspection.index.deleted ? ', deleted' : ''}` : 'absent', indexRecord, differing, 'inspect-index'),
        side('transform(source)', inspection.expected.found ? `version ${inspection.expected.version ?? '?'}` : 'absent from the source', expected ?? inspection.expected.transformError, differing, 'inspect-expected'),
      ),
      h('button', { type: 'button', id: 'reindex', onclick: () => this.reindex(inspection.id) }, `Reindex ${inspection.id}`),
    ];
  }

  private reindex(id: string): void {
    const type = this.type();
    confirmAction({
      title: `Reindex ${type}/${id}?`,
      description: "Reads the source's current document and applies it through the incremental path; a resource the source no longer has is deleted.",
      verb: 'Reindex',
      run: () => api('POST', typePath(type, 'records', id, 'reindex')),
      done: (answer) => {
        this.refresh();
        const { outcome, version } = answer as { outcome: string; version: number };
        return `${type}/${id} reindexed: ${outcome} (version ${version}).`;
      },
    });
  }
}

/** The top-level fields whose values differ between the two records. */
function differingKeys(left: unknown, right: unknown): Set<string> {
  const keys = new Set([...Object.keys(asObject(left)), ...Object.keys(asObject(right))]);
  return new Set([...keys].filter((key) => JSON.stringify(asObject(left)[key]) !== JSON.stringify(asObject(right)[key])));
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function side(title: string, note: string, value: unknown, differing: Set<string>, id: string): HTMLElement {
  const fields = asObject(value);
  const lines =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(fields)
          .sort()
          .map((key) => h('li', { class: differing.has(key) ? 'differs' : undefined, 'data-key': key }, differing.has(key) ? h('span', { class: 'mark', 'aria-label': 'differs' }, '≠ ') : null, h('code', {}, `${key}: ${JSON.stringify(fields[key])}`)))
      : [h('li', {}, h('code', {}, value === undefined ? '(none)' : JSON.stringify(value)))];
  return h('section', { 'aria-label': title }, h('h3', {}, title), h('p', { class: 'note' }, note), h('ul', { class: 'fields', id }, ...lines));
}
