/// <reference lib="dom" />
/**
 * The quarantine of a type: each resource with when it was quarantined, its differences and the
 * last one seen, a release button (behind a confirmation) and a link into the inspector.
 */
import { api, typePath } from './api.ts';
import { confirmAction } from './confirm.ts';
import { byId, count, fill, h, when } from './dom.ts';

/** One quarantined resource, as GET /v1/types/{type}/quarantine lists it. */
export interface QuarantineEntry {
  type: string;
  id: string;
  since: string;
  differences: number;
  lastDifference: string;
  cleanChecks: number;
}

/** Renders the list; `inspect` opens a resource in the inspector, `refresh` polls again. */
export function renderQuarantine(type: string, items: readonly QuarantineEntry[], inspect: (id: string) => void, refresh: () => void): void {
  const body = byId('quarantine-body');
  byId('quarantine-empty').hidden = items.length > 0;
  byId('quarantine-table').hidden = items.length === 0;
  fill(
    body,
    ...items.map((entry) =>
      h(
        'tr',
        { 'data-id': entry.id },
        h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => inspect(entry.id), 'aria-label': `Inspect ${entry.id}` }, entry.id)),
        h('td', {}, when(entry.since)),
        h('td', {}, count(entry.differences)),
        h('td', { class: 'difference' }, entry.lastDifference),
        h('td', {}, count(entry.cleanChecks)),
        h('td', {}, h('button', { type: 'button', onclick: () => release(type, entry.id, refresh), 'aria-label': `Release ${entry.id}` }, 'Release')),
      ),
    ),
  );
}

function release(type: string, id: string, refresh: () => void): void {
  confirmAction({
    title: `Release ${type}/${id}?`,
    description: 'Readers serve it from the index again (within their cache lifetime) and the checker counts its differences from zero.',
    verb: 'Release',
    run: () => api('DELETE', typePath(type, 'quarantine', id)),
    done: () => {
      refresh();
      return `${type}/${id} released from quarantine.`;
    },
  });
}
