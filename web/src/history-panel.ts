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
  button: HTMLButtonElement;
  animation: Animation;
}

/** The caller's animations, newest first, a page at a time; choosing one opens it. */
export class HistoryPanel {
  private readonly list = byId('history-list', HTMLUListElement);
  private readonly message = byId('history-message', HTMLElement);
  private readonly moreButton = byId('history-more', HTMLButtonElement);
  private readonly entries = new Map<string, Entry>();
  private endCursor: string | null = null;
  private selectedId: string | undefined;
  /** Bumped by each reload, so a page that arrives after a newer reload started is dropped. */
  private generation = 0;

  constructor(
    private readonly loadPage: (after: string | null) => Promise<HistoryPage>,
    private readonly onOpen: (animation: Animation) => void,
  ) {
    this.moreButton.addEventListener('click', () => void this.showPage(this.generation));
    byId('history-refresh', HTMLButtonElement).addEventListener('click', () => void this.reload());
  }

  async reload(): Promise<void> {
    this.generation += 1;
    this.list.replaceChildren();
    this.entries.clear();
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
    fill(entry.button, animation);
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

  private entry(animation: Animation): HTMLLIElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'entry';
    if (animation.id === this.selectedId) button.setAttribute('aria-current', 'true');
    const entry: Entry = { button, animation };
    this.entries.set(animation.id, entry);
    button.addEventListener('click', () => this.onOpen(entry.animation));
    fill(button, animation);
    const item = document.createElement('li');
    item.append(button);
    return item;
  }
}

function fill(button: HTMLButtonElement, animation: Animation): void {
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
