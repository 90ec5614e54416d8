import { byId, showFieldError } from './dom.js';
import type { AnimationPriority, AnimationResolution, CreateAnimationInput } from './gql/graphql.js';
import { MediaPicker, type MediaChoice } from './media-picker.js';
import { describeProblem, GatewayProblem, sentence, type FieldProblem } from './problems.js';

const RESOLUTIONS: readonly AnimationResolution[] = ['RESOLUTION_480P', 'RESOLUTION_720P'];
const PRIORITIES: readonly AnimationPriority[] = ['NORMAL', 'LOW'];

interface TextField {
  control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  error: HTMLElement;
  /** Inside the "Advanced options" fold, which opens to show its error. */
  advanced: boolean;
}

/** The "New animation" form: reads the input, sends it, and puts the gateway's complaints next to the fields. */
export class FormPanel {
  private readonly form = byId('create-form', HTMLFormElement);
  private readonly submitButton = byId('submit', HTMLButtonElement);
  private readonly formError = byId('form-error', HTMLElement);
  private readonly advanced = byId('advanced', HTMLDetailsElement);
  private readonly image = new MediaPicker(byId('image-picker', HTMLFieldSetElement), 'reference image');
  private readonly video = new MediaPicker(byId('video-picker', HTMLFieldSetElement), 'driving video');
  private readonly prompt = byId('prompt', HTMLTextAreaElement);
  private readonly negativePrompt = byId('negative-prompt', HTMLTextAreaElement);
  private readonly resolution = byId('resolution', HTMLSelectElement);
  private readonly steps = byId('steps', HTMLInputElement);
  private readonly cfgScale = byId('cfg-scale', HTMLInputElement);
  private readonly seed = byId('seed', HTMLInputElement);
  private readonly priority = byId('priority', HTMLSelectElement);
  /** By the input field names the gateway uses in `extensions.fields`. */
  private readonly fields: Record<string, TextField> = {
    prompt: this.field(this.prompt, false),
    negativePrompt: this.field(this.negativePrompt, true),
    resolution: this.field(this.resolution, true),
    numInferenceSteps: this.field(this.steps, true),
    cfgScale: this.field(this.cfgScale, true),
    seed: this.field(this.seed, true),
    priority: this.field(this.priority, true),
  };

  /** `send` creates the animation, or throws a GatewayProblem saying why not. */
  constructor(private readonly send: (input: CreateAnimationInput) => Promise<void>) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  private async submit(): Promise<void> {
    this.clearProblems();
    const image = this.image.require();
    const video = this.video.require();
    if (!image || !video) return;

    this.busy('file' in image || 'file' in video ? 'Uploading…' : 'Submitting…');
    try {
      await this.send(this.read(image, video));
    } catch (error) {
      if (!(error instanceof GatewayProblem)) throw error;
      this.showProblem(error);
    } finally {
      this.busy(undefined);
    }
  }

  private read(image: MediaChoice, video: MediaChoice): CreateAnimationInput {
    return {
      prompt: this.prompt.value,
      ...('file' in image ? { image: image.file } : { imageUrl: image.url }),
      ...('file' in video ? { video: video.file } : { videoUrl: video.url }),
      negativePrompt: this.negativePrompt.value.trim() || undefined,
      resolution: RESOLUTIONS.find((resolution) => resolution === this.resolution.value),
      numInferenceSteps: numberIn(this.steps),
      cfgScale: numberIn(this.cfgScale),
      seed: numberIn(this.seed),
      priority: PRIORITIES.find((priority) => priority === this.priority.value),
    };
  }

  private showProblem(problem: GatewayProblem): void {
    if (problem.fields.length === 0) {
      this.formError.textContent = describeProblem(problem);
      return;
    }
    const unplaced = problem.fields.filter((fieldProblem) => !this.place(fieldProblem));
    const marked = unplaced.length < problem.fields.length ? ['Please correct the marked fields.'] : [];
    this.formError.textContent = [...marked, ...unplaced.map(({ field, message }) => fieldSentence(field, message))].join(' ');
  }

  /** Shows a field's problem next to it; false when the page has no such field. */
  private place({ field, message }: FieldProblem): boolean {
    const name = field.split('.').at(-1) ?? field;
    if (name === 'image' || name === 'imageUrl') this.image.showError(fieldSentence('The reference image', message));
    else if (name === 'video' || name === 'videoUrl') this.video.showError(fieldSentence('The driving video', message));
    else {
      const target = this.fields[name];
      if (!target) return false;
      if (target.advanced) this.advanced.open = true;
      const label = target.control.labels?.[0]?.textContent ?? name;
      showFieldError([target.control], target.error, fieldSentence(label, message));
    }
    return true;
  }

  private clearProblems(): void {
    this.formError.textContent = '';
    this.image.showError(undefined);
    this.video.showError(undefined);
    for (const { control, error } of Object.values(this.fields)) showFieldError([control], error, undefined);
  }

  /** While a request runs, the button says what is happening (`label`) and cannot be pressed again. */
  private busy(label: string | undefined): void {
    this.submitButton.disabled = label !== undefined;
    this.submitButton.textContent = label ?? 'Submit';
    this.form.setAttribute('aria-busy', String(label !== undefined));
  }

  private field(control: TextField['control'], advanced: boolean): TextField {
    return { control, error: byId(`${control.id}-error`, HTMLElement), advanced };
  }
}

/**
 * The gateway's own messages are fragments to follow the field's name ("must not be empty");
 * fal's are whole sentences ("Could not download the file from the given URL").
 */
function fieldSentence(label: string, message: string): string {
  return /^[a-z]/.test(message) ? sentence(`${label} ${message}`) : sentence(message);
}

/** The number in an input, or undefined when it is empty (the gateway's default then applies). */
function numberIn(input: HTMLInputElement): number | undefined {
  return input.value.trim() === '' || Number.isNaN(input.valueAsNumber) ? undefined : input.valueAsNumber;
}
