/** The element with this id, checked to be of the expected kind (the markup is in index.html). */
export function byId<T extends HTMLElement>(id: string, kind: { new (): T; prototype: T }): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`#${id} is missing or is not a ${kind.name}`);
  return element;
}

/** Shows (or clears, with undefined) the message under a form control, for people and for screen readers. */
export function showFieldError(controls: HTMLElement[], slot: HTMLElement, message: string | undefined): void {
  slot.textContent = message ?? '';
  for (const control of controls) {
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
}
