// The one long-lived native messaging port to careguard-host. A port keeps one host process
// alive (and, in Chrome 105+, keeps the service worker alive), so scans cost a frame each rather
// than a process start each.

import { HOST_ERROR, PROTOCOL_VERSION, type ErrorReply, type HelloReply, type HostReply } from '../shared/protocol';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { classifyHostError, needsInstallFix, type HostProblem } from './host-errors';
import { HostUnavailableError, RequestQueue, type Timers } from './request-queue';

export interface PortLike {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export type HostStatus = 'connecting' | 'connected' | 'off';

export interface HostState {
  status: HostStatus;
  problem?: HostProblem;
  /** The browser's or host's own words, for the status page and IT. */
  detail?: string;
  hello?: HelloReply;
  since: number;
  /** When the next reconnect attempt is due, if one is scheduled. */
  retryAt?: number;
}

/**
 * Long, because a first start compiles the rule database before answering (over 20 s seen on a
 * busy two-core machine). A host that is merely slow must not be killed and restarted from zero.
 */
export const DEFAULT_HELLO_TIMEOUT_MS = 120_000;

export class HostRequestError extends Error {
  constructor(readonly reply: ErrorReply) {
    super(`${reply.name} (${reply.code})${reply.message ? `: ${reply.message}` : ''}`);
    this.name = 'HostRequestError';
  }
}

export interface HostConnectionOptions {
  connect: () => PortLike;
  lastError: () => string | undefined;
  extensionVersion: string;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
  backoff?: BackoffOptions;
  helloTimeoutMs?: number;
}

export class HostConnection {
  private port: PortLike | null = null;
  private readonly queue: RequestQueue;
  private attempt = 0;
  private retryTimer: unknown = null;
  private state: HostState;
  private readonly listeners = new Set<(s: HostState) => void>();
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(private readonly opts: HostConnectionOptions) {
    this.timers = opts.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) };
    this.now = opts.now ?? Date.now;
    this.state = { status: 'off', problem: 'exited', since: this.now() };
    this.queue = new RequestQueue((type) => this.onRequestTimeout(type), this.timers);
  }

  getState(): HostState {
    return this.state;
  }

  onStateChange(fn: (s: HostState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Opens the port unless it is open or a reconnect is already scheduled. */
  ensureConnected(): void {
    if (this.port || this.retryTimer !== null) return;
    this.open();
  }

  /** Retry now, for example when the person presses "Try again" on the status page. */
  reconnectNow(): void {
    if (this.retryTimer !== null) {
      this.timers.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (!this.port) this.open();
  }

  async request<T extends HostReply>(message: Record<string, unknown>, timeoutMs: number): Promise<T> {
    this.ensureConnected();
    // The host answers hello only once its rule database is compiled, which takes seconds on a
    // cold cache. A short request sent meanwhile would time out and get a healthy host killed
    // mid-compile, so everything but hello waits for the hello reply first.
    if (message.type !== 'hello' && this.state.status === 'connecting') await this.whenReady();
    const port = this.port;
    if (!port) throw new HostUnavailableError(this.state.problem ?? 'exited');
    const { id, promise } = this.queue.add<HostReply>(String(message.type), timeoutMs);
    try {
      port.postMessage({ ...message, id });
    } catch (e) {
      this.queue.fail(id, new HostUnavailableError(e instanceof Error ? e.message : String(e)));
    }
    const reply = await promise;
    if (reply.type === 'error') throw new HostRequestError(reply);
    return reply as T;
  }

  /** Resolves once connected; rejects if the connection attempt ends off instead. */
  whenReady(): Promise<void> {
    if (this.state.status === 'connected') return Promise.resolve();
    if (this.state.status === 'off') return Promise.reject(new HostUnavailableError(this.state.problem ?? 'exited'));
    return new Promise((resolve, reject) => {
      const off = this.onStateChange((s) => {
        if (s.status === 'connecting') return;
        off();
        if (s.status === 'connected') resolve();
        else reject(new HostUnavailableError(s.problem ?? 'exited'));
      });
    });
  }

  disconnect(): void {
    this.teardown(new HostUnavailableError('disconnected'));
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private open(): void {
    this.queue.nextGeneration();
    this.setState({ status: 'connecting', since: this.now() });
    let port: PortLike;
    try {
      port = this.opts.connect();
    } catch (e) {
      this.goOff(classifyHostError(e instanceof Error ? e.message : String(e)), e instanceof Error ? e.message : String(e));
      return;
    }
    this.port = port;
    port.onMessage.addListener((m) => {
      if (this.port === port) this.onMessage(m);
    });
    port.onDisconnect.addListener(() => {
      // Read lastError inside the listener: Chrome logs "Unchecked runtime.lastError" otherwise.
      const detail = this.opts.lastError();
      if (this.port !== port) return;
      this.port = null;
      this.queue.failAll(new HostUnavailableError(detail ?? 'disconnected'));
      this.goOff(classifyHostError(detail), detail);
    });
    this.sayHello();
  }

  private async sayHello(): Promise<void> {
    const port = this.port;
    try {
      const hello = await this.request<HelloReply>(
        { type: 'hello', protocol: PROTOCOL_VERSION, extension_version: this.opts.extensionVersion },
        this.opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
      );
      if (this.port !== port) return; // this port was given up on while the reply was on its way
      if (typeof hello.protocol === 'number' && hello.protocol !== PROTOCOL_VERSION) {
        this.giveUp('incompatible', `host speaks protocol ${hello.protocol}, extension speaks ${PROTOCOL_VERSION}`);
        return;
      }
      this.attempt = 0;
      this.setState({ status: 'connected', hello, since: this.now() });
    } catch (e) {
      if (e instanceof HostRequestError && this.port === port) {
        const problem: HostProblem =
          e.reply.code === HOST_ERROR.callerNotAllowed ? 'caller-not-allowed' : e.reply.code === HOST_ERROR.unsupportedProtocol ? 'incompatible' : 'unknown';
        this.giveUp(problem, e.message);
      }
      // Timeouts and disconnects have already moved the state to off.
    }
  }

  private onMessage(message: unknown): void {
    if (!message || typeof message !== 'object') return;
    const reply = message as HostReply;
    if (this.queue.settle(reply) === 'settled') return;
    // An error the host could not tie to a request (id null) tells us about the stream itself.
    if (reply.type === 'error' && reply.id === null) {
      if (reply.code === HOST_ERROR.callerNotAllowed) this.giveUp('caller-not-allowed', reply.message);
      else if (reply.code === HOST_ERROR.streamCorrupt) this.giveUp('communication-error', reply.message);
    }
    // Anything else is a reply to a request that already timed out: dropped on purpose.
  }

  private onRequestTimeout(type: string): void {
    // A host that misses a deadline is assumed hung: typing must not wait on it, so the port is
    // closed (the browser kills the process) and a fresh one is tried after a back-off.
    this.giveUp('unresponsive', `no reply to ${type} in time`);
  }

  /** Closes our side of the port; onDisconnect does not fire for a disconnect we make. */
  private giveUp(problem: HostProblem, detail?: string): void {
    this.teardown(new HostUnavailableError(problem));
    this.goOff(problem, detail);
  }

  private teardown(err: Error): void {
    const port = this.port;
    this.port = null;
    if (port) {
      try {
        port.disconnect();
      } catch {
        // already gone
      }
    }
    this.queue.failAll(err);
  }

  private goOff(problem: HostProblem, detail?: string): void {
    const opts = this.opts.backoff ?? DEFAULT_BACKOFF;
    // An install problem will not fix itself in a second: start the back-off further along.
    const attempt = needsInstallFix(problem) ? Math.max(this.attempt, 4) : this.attempt;
    const delay = backoffDelay(attempt, opts, this.opts.random);
    this.attempt = attempt + 1;
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
    this.setState({ status: 'off', problem, detail, since: this.now(), retryAt: this.now() + delay });
  }

  private setState(s: HostState): void {
    this.state = s;
    for (const fn of this.listeners) fn(s);
  }
}
