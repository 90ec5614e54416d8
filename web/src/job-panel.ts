import { byId } from './dom.js';
import type { StudioAnimationFragment } from './gql/graphql.js';
import type { ProgressEvent } from './live.js';
import { describeProblem, GatewayProblem, sentence } from './problems.js';
import { describeQueue, isTerminal, PRIORITY_LABELS, STATUS_LABELS } from './status.js';

type Animation = StudioAnimationFragment;
type LogLine = ProgressEvent['newLogs'][number];

/** The "Animation" panel: one animation's status, queue position, progress, log, and its video once done. */
export class JobPanel {
  private readonly empty = byId('job-empty', HTMLElement);
  private readonly body = byId('job-body', HTMLElement);
  private readonly prompt = byId('job-prompt', HTMLElement);
  private readonly status = byId('job-status', HTMLOutputElement);
  private readonly queueRow = byId('job-queue-row', HTMLElement);
  private readonly queue = byId('job-queue', HTMLElement);
  private readonly priority = byId('job-priority', HTMLElement);
  private readonly gpuRow = byId('job-gpu-row', HTMLElement);
  private readonly gpu = byId('job-gpu', HTMLElement);
  private readonly progressBar = byId('job-progress', HTMLProgressElement);
  private readonly progressText = byId('job-progress-text', HTMLElement);
  private readonly connection = byId('job-connection', HTMLElement);
  private readonly upstream = byId('job-upstream', HTMLElement);
  private readonly failure = byId('job-failure', HTMLElement);
  private readonly problem = byId('job-problem', HTMLElement);
  private readonly cancelButton = byId('job-cancel', HTMLButtonElement);
  private readonly result = byId('job-result', HTMLElement);
  private readonly video = byId('job-video', HTMLVideoElement);
  private readonly download = byId('job-download', HTMLAnchorElement);
  private readonly logScroller = byId('job-logs', HTMLElement);
  private readonly logList: HTMLOListElement;
  private current: Animation | undefined;

  /** `cancel` asks the gateway to cancel and returns the animation as it then is. */
  constructor(private readonly cancel: (id: string) => Promise<Animation>) {
    const list = this.logScroller.querySelector('ol');
    if (!list) throw new Error('#job-logs lacks its list');
    this.logList = list;
    this.cancelButton.addEventListener('click', () => void this.requestCancel());
  }

  /** Shows this animation in place of the previous one; its log comes with the first progress event. */
  open(animation: Animation): void {
    this.current = animation;
    this.empty.hidden = true;
    this.body.hidden = false;
    this.prompt.textContent = animation.prompt;
    this.logList.replaceChildren();
    this.connection.textContent = '';
    this.problem.textContent = '';
    this.video.removeAttribute('src');
    this.video.load();
    // A video URL is signed and expires, and this one may have been read long ago (the history
    // keeps what it listed): the result shows once the snapshot brings a fresh one.
    this.render({ ...animation, video: null });
    // On a narrow screen the panel sits below the form or above the history: bring it into view.
    const { top } = this.body.getBoundingClientRect();
    if (top < 0 || top > window.innerHeight * 0.6) this.body.scrollIntoView({ block: 'start' });
  }

  /** Whether this animation is the one shown. */
  shows(id: string): boolean {
    return this.current?.id === id;
  }

  /** Back to the empty panel. */
  close(): void {
    this.current = undefined;
    this.body.hidden = true;
    this.empty.hidden = false;
    this.video.removeAttribute('src');
    this.video.load();
  }

  /** A progress event: a snapshot replaces the log shown, later events extend it. */
  progress(event: ProgressEvent, snapshot: boolean): void {
    if (event.animation.id !== this.current?.id) return;
    if (snapshot) this.logList.replaceChildren();
    this.appendLogs(event.newLogs);
    this.render(event.animation);
  }

  showProblem(problem: GatewayProblem): void {
    this.connection.textContent = '';
    this.problem.textContent = describeProblem(problem);
  }

  setConnection(live: boolean): void {
    this.connection.textContent = live ? '' : 'Connection to the gateway lost; reconnecting…';
  }

  private render(animation: Animation): void {
    if (animation.id !== this.current?.id) return;
    this.current = animation;
    const { status, progress, inferenceSeconds } = animation;
    this.status.value = STATUS_LABELS[status];
    this.status.dataset.status = status;
    const queue = describeQueue(animation);
    this.queueRow.hidden = queue === undefined;
    this.queue.textContent = queue ?? '';
    this.priority.textContent = PRIORITY_LABELS[animation.priority];
    const gpuTime = typeof inferenceSeconds === 'number' ? `${Number(inferenceSeconds.toFixed(1))} s` : undefined;
    this.gpuRow.hidden = gpuTime === undefined;
    this.gpu.textContent = gpuTime ?? '';

    if (progress === null || progress === undefined) {
      if (status === 'IN_PROGRESS') this.progressBar.removeAttribute('value');
      else this.progressBar.value = 0;
      this.progressText.textContent = '';
    } else {
      this.progressBar.value = progress;
      this.progressText.textContent = `${Math.round(progress * 100)} %`;
    }

    this.upstream.textContent = animation.upstreamError
      ? `fal.ai cannot be reached right now; the gateway keeps trying (${animation.upstreamError}).`
      : '';
    this.failure.textContent =
      status === 'FAILED' ? `The animation failed: ${sentence(animation.error?.message ?? 'no reason was given')}` : '';
    this.cancelButton.hidden = isTerminal(status);

    const video = status === 'COMPLETED' ? animation.video : null;
    this.result.hidden = !video;
    if (video && this.video.getAttribute('src') !== video.url) {
      this.video.src = video.url;
      this.download.href = video.url;
      this.download.download = video.fileName ?? 'animation.mp4';
    }
  }

  private appendLogs(lines: LogLine[]): void {
    const atBottom = this.logScroller.scrollHeight - this.logScroller.scrollTop - this.logScroller.clientHeight < 24;
    for (const line of lines) {
      const item = document.createElement('li');
      item.dataset.level = line.level;
      const time = document.createElement('time');
      time.dateTime = line.timestamp;
      time.textContent = new Date(line.timestamp).toLocaleTimeString();
      item.append(time, ` ${line.message}`);
      this.logList.append(item);
    }
    // Follow new lines unless the reader has scrolled up to read older ones.
    if (atBottom) this.logScroller.scrollTop = this.logScroller.scrollHeight;
  }

  private async requestCancel(): Promise<void> {
    const id = this.current?.id;
    if (!id) return;
    this.cancelButton.disabled = true;
    this.problem.textContent = '';
    try {
      this.render(await this.cancel(id));
    } catch (error) {
      if (!(error instanceof GatewayProblem)) throw error;
      this.showProblem(error);
    } finally {
      this.cancelButton.disabled = false;
    }
  }
}
