import { byId } from './dom.js';
import type { StudioAnimationFragment } from './gql/graphql.js';
import { describeProblem, GatewayProblem } from './problems.js';
import { STATUS_LABELS } from './status.js';

type Animation = StudioAnimationFragment;

export interface HistoryPage {
  animations: Animation[];
  hasNextPage: boolean;
  endCursor: string | null | undefined;
}

interface Entry {
  item: HTMLLIElement;
  button: HTMLButtonElement;
  deleteButton: HTMLButtonElement;
  animation: Animation;
}

/** How much of a prompt the delete confirmation quotes. */
const QUOTED_PROMPT_LENGTH = 80;

/** The caller's animations, newest first, a page at a time; choosing one opens it, and each can be deleted. */
export class HistoryPanel {
  private readonly list = byId('history-list', HTMLUListElement);
  private readonly message = byId('history-message', HTMLElement);
  private readonly moreButton = byId('history-more', HTMLButtonElement);
  private readonly problem = byId('history-problem', HTMLElement);
  private readonly entries = new Map<string, Entry>();
  private endCursor: string | null = null;
  private selectedId: string | undefined;
  /** Bumped by each reload, so a page that arrives after a newer reload started is dropped. */
  private generation = 0;

  /** `remove` deletes the animation at the gateway (and whatever shows it); the entry goes once it resolves. */
  constructor(
    private readonly loadPage: (after: string | null) => Promise<HistoryPage>,
    private readonly onOpen: (animation: Animation) => void,
    private readonly remove: (id: string) => Promise<void>,
  ) {
    this.moreButton.addEventListener('click', () => void this.showPage(this.generation));
    byId('history-refresh', HTMLButtonElement).addEventListener('click', () => void this.reload());
  }

  async reload(): Promise<void> {
    this.generation += 1;
    this.list.replaceChildren();
    this.entries.clear();
    this.problem.textContent = '';
    this.endCursor = null;
    this.moreButton.hidden = true;
    await this.showPage(this.generation);
  }

  /** A new animation goes on top (or updates its entry if the gateway returned an existing one). */
  add(animation: Animation): void {
    if (this.entries.has(animation.id)) return this.update(animation);
    this.list.prepend(this.entry(animation));
    this.message.textContent = '';
  }

  update(animation: Animation): void {
    const entry = this.entries.get(animation.id);
    if (!entry) return;
    entry.animation = animation;
    fill(entry, animation);
  }

  /** Marks the animation shown in the Animation panel. */
  select(id: string): void {
    this.selectedId = id;
    for (const [entryId, { button }] of this.entries) {
      if (entryId === id) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  private async showPage(generation: number): Promise<void> {
    this.moreButton.disabled = true;
    this.message.textContent = 'Loading…';
    try {
      const page = await this.loadPage(this.endCursor);
      if (generation !== this.generation) return;
      for (const animation of page.animations) {
        if (!this.entries.has(animation.id)) this.list.append(this.entry(animation));
      }
      this.endCursor = page.endCursor ?? null;
      this.moreButton.hidden = !page.hasNextPage;
      this.message.textContent = this.entries.size === 0 ? 'No animations yet.' : '';
    } catch (error) {
      if (!(error instanceof GatewayProblem)) throw error;
      if (generation === this.generation) this.message.textContent = describeProblem(error);
    } finally {
      this.moreButton.disabled = false;
    }
  }

  /** Asks first; on success the entry goes, on failure it stays and the problem is said. */
  private async requestDelete(entry: Entry): Promise<void> {
    const { id, prompt } = entry.animation;
    if (!window.confirm(`Delete the animation “${quote(prompt)}”? Its video and log are removed for good.`)) return;
    entry.deleteButton.disabled = true;
    this.problem.textContent = '';
    try {
      await this.remove(id);
    } catch (error) {
      if (!(error instanceof GatewayProblem)) throw error;
      this.problem.textContent = `Could not delete “${quote(prompt)}”. ${describeProblem(error)}`;
      return;
    } finally {
      entry.deleteButton.disabled = false;
    }
    // A reload while the request was out may have made a new entry for it.
    this.entries.get(id)?.item.remove();
    this.entries.delete(id);
    if (this.selectedId === id) this.selectedId = undefined;
    if (this.entries.size === 0 && this.moreButton.hidden) this.message.textContent = 'No animations yet.';
  }

  private entry(animation: Animation): HTMLLIElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'entry';
    if (animation.id === this.selectedId) button.setAttribute('aria-current', 'true');
    const deleteButton = document.createElement('button');
    deleteButton.type = 'button';
    deleteButton.className = 'secondary small danger';
    deleteButton.textContent = 'Delete';
    const item = document.createElement('li');
    item.className = 'history-item';
    item.append(button, deleteButton);
    const entry: Entry = { item, button, deleteButton, animation };
    this.entries.set(animation.id, entry);
    button.addEventListener('click', () => this.onOpen(entry.animation));
    deleteButton.addEventListener('click', () => void this.requestDelete(entry));
    fill(entry, animation);
    return item;
  }
}

function fill({ button, deleteButton }: Entry, animation: Animation): void {
  deleteButton.setAttribute('aria-label', `Delete animation: ${animation.prompt}`);
  const prompt = document.createElement('span');
  prompt.className = 'entry-prompt';
  prompt.textContent = animation.prompt;
  const status = document.createElement('span');
  status.className = 'badge';
  status.dataset.status = animation.status;
  status.textContent = STATUS_LABELS[animation.status];
  const created = document.createElement('time');
  created.dateTime = animation.createdAt;
  created.textContent = new Date(animation.createdAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  button.replaceChildren(prompt, status, created);
}

function quote(prompt: string): string {
  return prompt.length > QUOTED_PROMPT_LENGTH ? `${prompt.slice(0, QUOTED_PROMPT_LENGTH - 1)}…` : prompt;
}
