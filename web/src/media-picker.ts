import { showFieldError } from './dom.js';

export type MediaChoice = { file: File } | { url: string };

/**
 * One media input (the reference image or the driving video): a file or a URL, whichever
 * was chosen last, with a preview of it.
 */
export class MediaPicker {
  private readonly fileInput: HTMLInputElement;
  private readonly urlInput: HTMLInputElement;
  private readonly preview: HTMLImageElement | HTMLVideoElement;
  private readonly error: HTMLElement;
  private objectUrl: string | undefined;

  constructor(
    fieldset: HTMLFieldSetElement,
    private readonly noun: string,
  ) {
    this.fileInput = required(fieldset.querySelector('input[type=file]'), HTMLInputElement);
    this.urlInput = required(fieldset.querySelector('input[type=url]'), HTMLInputElement);
    const preview = fieldset.querySelector('.preview');
    if (!(preview instanceof HTMLImageElement || preview instanceof HTMLVideoElement)) {
      throw new Error('the media picker markup lacks an img or video preview');
    }
    this.preview = preview;
    this.error = required(fieldset.querySelector('.field-error'), HTMLElement);

    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      if (file) this.urlInput.value = '';
      this.showPreview(file);
    });
    this.urlInput.addEventListener('change', () => {
      if (this.urlInput.value.trim()) this.fileInput.value = '';
      this.showPreview(this.urlInput.validity.valid ? this.urlInput.value.trim() : undefined);
    });
    this.preview.addEventListener('error', () => {
      if (this.preview.hidden) return;
      this.preview.hidden = true;
      this.showError(`Could not load a preview of the ${noun}; check the file or URL.`);
    });
  }

  private value(): MediaChoice | undefined {
    const file = this.fileInput.files?.[0];
    if (file) return { file };
    const url = this.urlInput.value.trim();
    return url ? { url } : undefined;
  }

  /** Marks the picker as wrong with a message, or clears it with undefined. */
  showError(message: string | undefined): void {
    showFieldError([this.fileInput, this.urlInput], this.error, message);
  }

  /** The choice, or undefined after asking for one. */
  require(): MediaChoice | undefined {
    const choice = this.value();
    if (!choice) this.showError(`Choose a file or enter a URL for the ${this.noun}.`);
    return choice;
  }

  private showPreview(source: File | string | undefined): void {
    this.showError(undefined);
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = source instanceof File ? URL.createObjectURL(source) : undefined;
    const src = source instanceof File ? this.objectUrl : source;
    this.preview.hidden = src === undefined;
    if (src === undefined) this.preview.removeAttribute('src');
    else this.preview.src = src;
  }
}

function required<T extends Element>(element: Element | null, kind: { new (): T; prototype: T }): T {
  if (!(element instanceof kind)) throw new Error(`the media picker markup lacks a ${kind.name}`);
  return element;
}
