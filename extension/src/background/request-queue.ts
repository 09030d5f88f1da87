// Pending requests to the host, keyed by id. Ids carry the connection's generation so a reply
// that arrives after its request timed out, or from a port we already gave up on, can never be
// mistaken for the answer to a newer request.

export class RequestTimeoutError extends Error {
  constructor(readonly requestType: string, readonly timeoutMs: number) {
    super(`${requestType} request timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export class HostUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`host unavailable: ${reason}`);
    this.name = 'HostUnavailableError';
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Pending {
  type: string;
  resolve(reply: unknown): void;
  reject(err: Error): void;
  timer: unknown;
}

export type SettleOutcome = 'settled' | 'stale';

export class RequestQueue {
  private readonly pending = new Map<string, Pending>();
  private generation = 0;
  private counter = 0;

  constructor(
    private readonly onTimeout: (type: string) => void = () => {},
    private readonly timers: Timers = realTimers,
  ) {}

  /** A new connection: every id issued from now on is distinct from any earlier one. */
  nextGeneration(): void {
    this.generation += 1;
    this.counter = 0;
  }

  get size(): number {
    return this.pending.size;
  }

  add<T>(type: string, timeoutMs: number): { id: string; promise: Promise<T> } {
    this.counter += 1;
    const id = `g${this.generation}.${this.counter}`;
    const promise = new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new RequestTimeoutError(type, timeoutMs));
        this.onTimeout(type);
      }, timeoutMs);
      this.pending.set(id, { type, resolve: resolve as (r: unknown) => void, reject, timer });
    });
    return { id, promise };
  }

  /** Hands a reply to whoever asked. Replies nobody is waiting for any more are dropped. */
  settle(reply: { id?: unknown }): SettleOutcome {
    const id = typeof reply.id === 'string' ? reply.id : reply.id === undefined || reply.id === null ? null : String(reply.id);
    if (id === null) return 'stale';
    const entry = this.pending.get(id);
    if (!entry) return 'stale';
    this.pending.delete(id);
    this.timers.clearTimeout(entry.timer);
    entry.resolve(reply);
    return 'settled';
  }

  /** Fails one request without waiting for its reply (for example the send itself threw). */
  fail(id: string, err: Error): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.timers.clearTimeout(entry.timer);
    entry.reject(err);
  }

  failAll(err: Error): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      this.timers.clearTimeout(entry.timer);
      entry.reject(err);
    }
  }
}
