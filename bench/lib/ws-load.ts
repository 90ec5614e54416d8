/** Drives a WebSocket load client process (ws-load-client.ts) over IPC. */
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT, repoPath, TSX_ARGS } from './paths.js';
import type { ManagedProcess, ProcessGroup } from './processes.js';
import type { ClientState, CollectResult, Command, OpenCommand, OpenResult } from './ws-load-client.js';

export type { ClientState, CollectResult, OpenResult };

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class WsLoadClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    readonly proc: ManagedProcess,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(new Error(`${proc.name}: ${reply.error ?? 'failed'}`));
    });
    void proc.exited.then((info) => {
      for (const waiting of this.pending.values()) {
        waiting.reject(new Error(`${proc.name} exited (${info.code ?? info.signal})\n${proc.tail.slice(-10).join('\n')}`));
      }
      this.pending.clear();
    });
  }

  /** Starts a client process on `cpu` and waits until it is ready. */
  static async start(group: ProcessGroup, name: string, options: { cpu: number; pin: boolean; timeoutMs?: number }): Promise<WsLoadClient> {
    const proc = group.spawnNode(name, {
      nodeArgs: [...TSX_ARGS, '--max-old-space-size=2048'],
      args: [repoPath('bench/lib/ws-load-client.ts')],
      cpu: options.cpu,
      pin: options.pin,
      ipc: true,
      cwd: REPO_ROOT,
    });
    const client = new WsLoadClient(proc, proc.child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready within ${options.timeoutMs ?? 20_000} ms`)), options.timeoutMs ?? 20_000);
      client.pending.set(0, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    return client;
  }

  private request<T>(command: Command, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.proc.name}: ${command.cmd} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, command });
    });
  }

  /** Opens `count` more subscriptions in batches; resolves with how many got their snapshot. */
  open(options: Omit<OpenCommand, 'cmd'>): Promise<OpenResult> {
    return this.request({ cmd: 'open', ...options }, options.timeoutMs + options.batchTimeoutMs + 5_000);
  }

  state(): Promise<ClientState> {
    return this.request({ cmd: 'state' }, 10_000);
  }

  /** Resolves once every subscribed socket has had minEvents events after its snapshot, or at timeoutMs. */
  waitEvents(minEvents: number, timeoutMs: number): Promise<{ reached: number; of: number; elapsedMs: number }> {
    return this.request({ cmd: 'waitEvents', minEvents, timeoutMs }, timeoutMs + 5_000);
  }

  /** Parses the events stored since the last clear: receive times per step, statuses, invalid messages. */
  collect(clear = true): Promise<CollectResult> {
    return this.request({ cmd: 'collect', clear }, 30_000);
  }

  clear(): Promise<boolean> {
    return this.request({ cmd: 'clear' }, 10_000);
  }

  /** Terminates every socket and forgets them; the process stays for the next open(). */
  reset(): Promise<boolean> {
    return this.request({ cmd: 'reset' }, 15_000);
  }

  /** Terminates every socket and lets the process exit. */
  async close(): Promise<void> {
    if (!this.proc.running) return;
    await this.request({ cmd: 'closeAll' }, 15_000).catch(() => undefined);
    await this.proc.stop(5_000);
  }
}
