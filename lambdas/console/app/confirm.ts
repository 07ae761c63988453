/// <reference lib="dom" />
/**
 * Actions behind a confirmation: a modal dialog names what will happen; Confirm runs the call.
 * A refusal keeps the dialog open with the API's problem document; success closes it and says
 * what the API answered in the page's status line.
 */
import { ApiProblem } from './api.ts';
import { byId, fill, h } from './dom.ts';

/** One action an operator confirms. */
export interface Action {
  /** The dialog's title: `Rebuild movie?` */
  title: string;
  /** What happens, in a sentence. */
  description: string;
  /** The confirm button's text. */
  verb: string;
  run(): Promise<unknown>;
  /** What to announce when it succeeded. */
  done(answer: unknown): string;
}

/** Opens the confirmation of `action`; resolves when it is closed. */
export function confirmAction(action: Action): void {
  const dialog = byId<HTMLDialogElement>('confirm');
  const problem = h('div', { class: 'problem', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger' }, action.verb);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  cancel.addEventListener('click', () => dialog.close());
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    fill(problem);
    try {
      const answer = await action.run();
      dialog.close();
      announce(action.done(answer));
    } catch (error) {
      fill(problem, ...problemLines(error));
      confirm.disabled = false;
    }
  });
  fill(dialog, h('h2', { id: 'confirm-title' }, action.title), h('p', {}, action.description), problem, h('div', { class: 'buttons' }, cancel, confirm));
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.showModal();
  cancel.focus();
}

/** The problem document of a refused call, as the page shows it. */
export function problemLines(error: unknown): Node[] {
  if (!(error instanceof ApiProblem)) return [h('p', {}, String(error))];
  const { problem, status } = error;
  return [
    h('p', {}, h('strong', {}, `${problem.title ?? 'Refused'} (HTTP ${status})`)),
    h('p', { class: 'detail' }, problem.detail ?? ''),
    ...(problem.errors?.length ? [h('ul', {}, ...problem.errors.map((entry) => h('li', {}, `${entry.field}: ${entry.message}`)))] : []),
  ];
}

/** Says something in the page's live status region. */
export function announce(message: string): void {
  byId('announce').textContent = message;
}
