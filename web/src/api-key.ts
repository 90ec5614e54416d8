import { showFieldError } from './dom.js';

const STORAGE_KEY = 'uni-animate-studio.api-key';

/** What the transports need to know about the caller's credentials. */
export interface Credentials {
  /** The API key entered, or '' for none (a gateway without auth configured needs none). */
  key(): string;
  /** The gateway answered UNAUTHENTICATED (HTTP) or closed the socket with 4403. */
  refused(): void;
}

/**
 * The API key field, always shown: the page cannot tell in advance whether the gateway
 * requires a key, and an empty field costs nothing when it does not. The key is kept in
 * localStorage so a reload keeps it.
 */
export class ApiKeyField implements Credentials {
  constructor(
    private readonly input: HTMLInputElement,
    private readonly error: HTMLElement,
    onChange: () => void,
  ) {
    input.value = readStored();
    // Enter in the field already commits it (a change event); the page must not reload.
    input.form?.addEventListener('submit', (event) => event.preventDefault());
    input.addEventListener('change', () => {
      store(this.key());
      showFieldError([input], error, undefined);
      onChange();
    });
  }

  key(): string {
    return this.input.value.trim();
  }

  refused(): void {
    const message = this.key() ? 'The gateway did not accept this API key.' : 'The gateway requires an API key: enter it here.';
    showFieldError([this.input], this.error, message);
  }
}

// localStorage throws where storage is disabled (some private modes): the key then lasts for this page only.
function readStored(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

function store(key: string): void {
  try {
    if (key) localStorage.setItem(STORAGE_KEY, key);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // see readStored
  }
}
