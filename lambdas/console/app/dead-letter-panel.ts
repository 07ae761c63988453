/// <reference lib="dom" />
/**
 * The dead letters: each consumer queue's depth (every poll), its letters with their resource
 * (when the letter could be read) and reason, and a redrive button (behind a confirmation). The
 * letters of every type show: a change event that could not be read has no type. Listing peeks
 * (each letter looked at is hidden for a few seconds), so letters are listed again only when a
 * queue's depth changes or on the "List dead letters again" button, never every poll.
 */
import { api } from './api.ts';
import { confirmAction, problemLines } from './confirm.ts';
import { byId, count, fill, h, when } from './dom.ts';

/** GET /v1/dead-letters. */
interface Depths {
  queues: Array<{ queue: string; configured: boolean; visible?: number; inFlight?: number; error?: string }>;
}

/** GET /v1/dead-letters/{queue}. */
interface Letters {
  queue: string;
  count: number;
  scanned: number;
  complete: boolean;
  items: Array<{ messageId: string; reason?: string; type?: string; id?: string; receiveCount?: number; firstSeen: string; bodyReplaced: boolean }>;
}

/** The letters shown per queue. */
const LIST_LIMIT = 50;

/** The dead-letter panel of the page. */
export class DeadLetterPanel {
  /** Per queue: the depth the shown list was read at. */
  readonly #listedAt = new Map<string, string>();

  constructor(private readonly refresh: () => void) {
    byId('dead-letters-refresh').addEventListener('click', () => {
      this.#listedAt.clear();
      this.refresh();
    });
  }

  /** Reads the depths; lists a queue's letters again when its depth changed. A failure shows in the panel only. */
  async poll(): Promise<void> {
    try {
      await this.update();
    } catch (error) {
      this.#listedAt.clear();
      fill(byId('dead-letters-body'), h('div', { class: 'problem', role: 'alert' }, ...problemLines(error)));
    }
  }

  private async update(): Promise<void> {
    const { queues } = await api<Depths>('GET', '/v1/dead-letters');
    const body = byId('dead-letters-body');
    if (body.querySelectorAll(':scope > .queue').length !== queues.length) fill(body, ...queues.map((queue) => h('div', { class: 'queue', 'data-queue': queue.queue })));
    await Promise.all(
      queues.map(async (queue, index) => {
        const box = body.children[index] as HTMLElement;
        if (!queue.configured || queue.error !== undefined) {
          fill(box, h('h3', {}, `${queue.queue} queue`), h('p', { class: 'note' }, queue.error ?? 'Not configured in this deployment.'));
          this.#listedAt.delete(queue.queue);
          return;
        }
        const depth = (queue.visible ?? 0) + (queue.inFlight ?? 0);
        const key = String(depth);
        if (this.#listedAt.get(queue.queue) === key) return;
        this.#listedAt.set(queue.queue, key);
        const letters = depth === 0 ? undefined : await api<Letters>('GET', `/v1/dead-letters/${encodeURIComponent(queue.queue)}?limit=${LIST_LIMIT}`);
        fill(box, ...this.render(queue.queue, depth, letters));
      }),
    );
  }

  private render(queue: string, depth: number, letters: Letters | undefined): Node[] {
    const title = h('h3', {}, `${queue} queue: ${count(depth)} dead ${depth === 1 ? 'letter' : 'letters'}`);
    if (!letters || letters.items.length === 0) return [title, h('p', {}, 'None.')];
    return [
      title,
      ...(letters.complete ? [] : [h('p', { class: 'note' }, `The first ${count(letters.items.length)} of those looked at.`)]),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...['Resource', 'First seen', 'Receives', 'Reason'].map((name) => h('th', { scope: 'col' }, name)))),
        h(
          'tbody',
          {},
          ...letters.items.map((letter) =>
            h(
              'tr',
              { 'data-message-id': letter.messageId },
              h('th', { scope: 'row' }, letter.id ? `${letter.type ?? '?'}/${letter.id}` : h('span', { class: 'note' }, `unreadable event, message ${letter.messageId}`)),
              h('td', {}, when(letter.firstSeen)),
              h('td', {}, count(letter.receiveCount)),
              h('td', { class: 'difference' }, letter.bodyReplaced ? 'body replaced: cannot be redriven' : (letter.reason ?? 'moved by SQS after its last receive')),
            ),
          ),
        ),
      ),
      h('button', { type: 'button', onclick: () => this.redrive(queue) }, `Redrive the ${queue} dead letters…`),
    ];
  }

  private redrive(queue: string): void {
    confirmAction({
      title: `Redrive the ${queue} dead letters?`,
      description: `Sends them back to the ${queue} queue. Fix what made them fail first: a letter that fails again comes back here.`,
      verb: 'Redrive',
      run: () => api('POST', `/v1/dead-letters/${encodeURIComponent(queue)}/redrive`),
      done: (answer) => {
        this.#listedAt.delete(queue);
        this.refresh();
        const result = answer as { redriven?: number; approximateCount?: number; method: string };
        return result.method === 'move-task'
          ? `Redrive of the ${queue} dead letters started (about ${count(result.approximateCount)}).`
          : `${count(result.redriven ?? 0)} ${queue} dead ${result.redriven === 1 ? 'letter' : 'letters'} redriven.`;
      },
    });
  }
}
