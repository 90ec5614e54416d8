/** Drives a WebSocket load client process (ws-load-client.ts) over IPC. */
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT, repoPath, TSX_ARGS } from './paths.js';
import { PendingReplies } from './pending-replies.js';
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
  private readonly replies = new PendingReplies();

  private constructor(
    readonly proc: ManagedProcess,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (reply: Reply) => {
      if (reply.ok) this.replies.resolve(reply.id, reply.result);
      else this.replies.reject(reply.id, new Error(`${proc.name}: ${reply.error ?? 'failed'}`));
    });
    void proc.exited.then((info) =>
      this.replies.rejectAll(`${proc.name} exited (${info.code ?? info.signal})\n${proc.tail.slice(-10).join('\n')}`),
    );
  }

  /** Starts a client process on `cpu` and waits until it is ready (its unasked reply 0). */
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
    const timeoutMs = options.timeoutMs ?? 20_000;
    await client.replies.wait(0, timeoutMs, `${name}: not ready within ${timeoutMs} ms`);
    return client;
  }

  private request<T>(command: Command, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return this.replies.wait<T>(id, timeoutMs, `${this.proc.name}: ${command.cmd} got no answer within ${timeoutMs} ms`, () =>
      this.child.send({ id, command }),
    );
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
