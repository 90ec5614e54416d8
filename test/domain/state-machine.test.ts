import { describe, expect, it } from 'vitest';
import type { Animation } from '../../src/domain/animation.js';
import type { LogLine } from '../../src/domain/animation.js';
import { progressFromLogs, unseenLogs } from '../../src/domain/progress.js';
import { applyChange, changeFor } from '../../src/domain/state-machine.js';
import { animationRecord } from '../support/records.js';

const line = (n: number, message = `line ${n}`): LogLine => ({
  message,
  level: 'INFO',
  timestamp: `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
});

const animation = (overrides: Partial<Animation> = {}): Animation =>
  animationRecord({ id: 'a1', requestId: 'r1', status: 'IN_QUEUE', queuePosition: 3, version: 2, ...overrides });

const NOW = '2026-01-01T00:01:00.000Z';
const FAL_VIDEO = { url: 'https://v3.fal.media/files/x.mp4', contentType: 'video/mp4', fileName: 'x.mp4', fileSize: 10 };

describe('unseenLogs', () => {
  it('keeps every line of a delta batch', () => {
    expect(unseenLogs([line(1), line(2)], [line(3), line(4)])).toEqual([line(3), line(4)]);
  });

  it('keeps only the tail of a cumulative batch', () => {
    expect(unseenLogs([line(1), line(2)], [line(1), line(2), line(3)])).toEqual([line(3)]);
  });

  it('drops a batch that repeats what is known', () => {
    expect(unseenLogs([line(1), line(2)], [line(2)])).toEqual([]);
    expect(unseenLogs([line(1), line(2)], [line(1), line(2)])).toEqual([]);
  });

  it('keeps the new part of a batch that overlaps the known tail', () => {
    expect(unseenLogs([line(1), line(2), line(3)], [line(2), line(3), line(4)])).toEqual([line(4)]);
  });

  it('takes everything when nothing is known', () => {
    expect(unseenLogs([], [line(1)])).toEqual([line(1)]);
  });
});

describe('progressFromLogs', () => {
  it.each([
    ['Sampling step 6/30', 0.2],
    ['step 15 / 30', 0.5],
    ['denoising 3/4', 0.75],
    ['45% done', 0.45],
    ['100%', 1],
  ])('reads %s as %d', (message, expected) => {
    expect(progressFromLogs([{ ...line(1), message }])).toBeCloseTo(expected);
  });

  it('takes the latest line that tells, and null when none does', () => {
    expect(progressFromLogs([line(1, 'step 1/10'), line(2, 'step 5/10'), line(3, 'saving')])).toBeCloseTo(0.5);
    expect(progressFromLogs([line(1, 'Loading models')])).toBeNull();
    expect(progressFromLogs([line(1, 'step 3/0')])).toBeNull();
  });
});

describe('applyChange', () => {
  it('moves forward and bumps the version', () => {
    const result = applyChange(
      animation(),
      { type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line(1, 'step 3/30')] },
      NOW,
    );
    expect(result?.next).toMatchObject({ status: 'IN_PROGRESS', queuePosition: null, progress: 0.1, logCount: 1, version: 3 });
    expect(result?.appended).toEqual([{ ...line(1, 'step 3/30'), seq: 1 }]);
  });

  it('never moves a status backwards, but still records new lines', () => {
    const result = applyChange(
      animation({ status: 'IN_PROGRESS', queuePosition: null, logCount: 4 }),
      { type: 'progressed', status: 'IN_QUEUE', queuePosition: 2, logs: [line(5)] },
      NOW,
    );
    expect(result?.next.status).toBe('IN_PROGRESS');
    expect(result?.next.queuePosition).toBeNull();
    expect(result?.appended.map((log) => log.seq)).toEqual([5]);
  });

  it('never raises the queue position', () => {
    expect(applyChange(animation(), { type: 'progressed', status: 'IN_QUEUE', queuePosition: 5, logs: [] }, NOW)).toBeNull();
    expect(applyChange(animation(), { type: 'progressed', status: 'IN_QUEUE', queuePosition: 1, logs: [] }, NOW)?.next.queuePosition).toBe(
      1,
    );
  });

  it('never lowers progress', () => {
    const result = applyChange(
      animation({ status: 'IN_PROGRESS', progress: 0.5 }),
      { type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line(1, 'step 1/30')] },
      NOW,
    );
    expect(result?.next.progress).toBe(0.5);
  });

  it('changes nothing after a terminal status', () => {
    for (const status of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      const done = animation({ status, queuePosition: null });
      expect(applyChange(done, { type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line(1)] }, NOW)).toBeNull();
      expect(applyChange(done, { type: 'cancelled' }, NOW)).toBeNull();
      expect(applyChange(done, { type: 'failed', error: { code: 'X', message: 'x' } }, NOW)).toBeNull();
    }
  });

  it('reports a repeated report as no change', () => {
    const running = animation({ status: 'IN_PROGRESS', queuePosition: null });
    expect(applyChange(running, { type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [] }, NOW)).toBeNull();
    expect(applyChange(running, { type: 'submitted', requestId: 'r2', queuePosition: 0 }, NOW)).toBeNull();
  });

  it('completes with the kept video, full progress and a completion time', () => {
    const video = { key: 'a/x.mp4', contentType: 'video/mp4', fileName: 'x.mp4', fileSize: 10, sha256: 'ab', expiresAt: null };
    const saving = { ...animation({ status: 'IN_PROGRESS' }), upstreamVideo: FAL_VIDEO };
    const result = applyChange(saving, { type: 'completed', video }, NOW);
    expect(result?.next).toMatchObject({ status: 'COMPLETED', video, upstreamVideo: null, progress: 1, completedAt: NOW, updatedAt: NOW });
  });

  it("keeps fal's result while the video is saved, says so in the logs, and takes it once", () => {
    const change = changeFor({ kind: 'succeeded', video: FAL_VIDEO }, new Date(NOW));
    const saving = applyChange(animation({ status: 'IN_QUEUE', logCount: 2 }), change, NOW);
    expect(saving?.next).toMatchObject({ status: 'IN_PROGRESS', upstreamVideo: FAL_VIDEO, video: null, logCount: 3 });
    expect(saving?.appended).toEqual([{ seq: 3, message: 'Saving the video', level: 'INFO', timestamp: NOW }]);
    expect(applyChange(saving!.next, change, NOW)).toBeNull();
  });

  it('fails with the reason in the logs, and adds no line after the end', () => {
    const logs = [{ message: 'The video could not be saved', level: 'ERROR', timestamp: NOW }];
    const failed = applyChange(
      animation({ status: 'IN_PROGRESS' }),
      { type: 'failed', error: { code: 'RESULT_UNAVAILABLE', message: 'gone' }, logs },
      NOW,
    );
    expect(failed?.next).toMatchObject({ status: 'FAILED', error: { code: 'RESULT_UNAVAILABLE' }, logCount: 1 });
    expect(applyChange(failed!.next, { type: 'noted', logs }, NOW)).toBeNull();
  });

  it('records upstream trouble, clears it on the next report, and hides the stale queue position', () => {
    const troubled = applyChange(animation(), { type: 'upstreamTrouble', message: 'fal could not be reached.' }, NOW)!.next;
    expect(troubled).toMatchObject({ upstreamError: 'fal could not be reached.', queuePosition: null });
    const healed = applyChange(troubled, { type: 'progressed', status: 'IN_QUEUE', queuePosition: 1, logs: [] }, NOW)!.next;
    expect(healed).toMatchObject({ upstreamError: null, queuePosition: 1 });
  });
});
