/**
 * A minimal Chrome DevTools Protocol client for a child started with `--inspect=127.0.0.1:0`:
 * V8's sampling CPU profiler (the one `--cpu-prof` uses, same .cpuprofile format) and sampling
 * heap profiler, started and stopped around one phase of a row.
 */
import WebSocket from 'ws';
import { PendingReplies } from './pending-replies.js';
import type { ManagedProcess } from './processes.js';

interface CdpReply {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

export interface HeapSampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapSampleNode[];
}

export class InspectorSession {
  private nextId = 1;
  private readonly replies = new PendingReplies();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as CdpReply;
      if (reply.id === undefined) return;
      if (reply.error) this.replies.reject(reply.id, new Error(reply.error.message));
      else this.replies.resolve(reply.id, reply.result);
    });
    ws.on('close', () => this.replies.rejectAll('inspector connection closed'));
  }

  /** Connects to the inspector URL the process printed on stderr. */
  static async attach(proc: ManagedProcess, timeoutMs = 15_000): Promise<InspectorSession> {
    const match = await proc.waitForLine(/Debugger listening on (ws:\/\/\S+)/, timeoutMs);
    const ws = new WebSocket(match[1]!, { perMessageDeflate: false, maxPayload: 2 * 1024 ** 3 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('inspector: no connection')), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return new InspectorSession(ws);
  }

  send<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return this.replies.wait<T>(id, timeoutMs, `inspector: ${method} got no answer within ${timeoutMs} ms`, () =>
      this.ws.send(JSON.stringify({ id, method, params })),
    );
  }

  async startCpuProfile(intervalUs = 1_000): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.send('Profiler.start');
  }

  /** Stops the CPU profiler; the profile in .cpuprofile format. */
  async stopCpuProfile(): Promise<unknown> {
    const { profile } = await this.send<{ profile: unknown }>('Profiler.stop');
    return profile;
  }

  async startHeapSampling(intervalBytes = 16_384): Promise<void> {
    await this.send('HeapProfiler.enable');
    await this.send('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
  }

  /** Forces a GC, then answers the allocation sites of the sampled objects still alive. */
  async liveHeapSample(): Promise<HeapSampleNode> {
    await this.send('HeapProfiler.collectGarbage');
    const { profile } = await this.send<{ profile: { head: HeapSampleNode } }>('HeapProfiler.getSamplingProfile');
    await this.send('HeapProfiler.stopSampling');
    return profile.head;
  }

  close(): void {
    this.ws.terminate();
  }
}
