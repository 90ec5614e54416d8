/** The requests of a request/reply channel (IPC, the inspector's WebSocket) still waiting for their reply. */

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class PendingReplies {
  private readonly waiting = new Map<number, Waiting>();

  /**
   * Waits for the reply to `id`, rejecting with `timeoutMessage` after timeoutMs. `send` runs once
   * the wait is registered (so no reply can come first); if it throws, the promise rejects.
   */
  wait<T>(id: number, timeoutMs: number, timeoutMessage: string, send: () => void = () => undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(timeoutMessage));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      send();
    });
  }

  /** Replies to no one waiting (late, or never asked for) are dropped. */
  resolve(id: number, value: unknown): void {
    this.take(id)?.resolve(value);
  }

  reject(id: number, error: Error): void {
    this.take(id)?.reject(error);
  }

  rejectAll(message: string): void {
    for (const waiting of this.waiting.values()) waiting.reject(new Error(message));
    this.waiting.clear();
  }

  private take(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    return waiting;
  }
}
