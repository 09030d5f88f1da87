import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostConnection, HostRequestError, type HostState, type PortLike } from './host-connection';
import { HostUnavailableError, RequestTimeoutError } from './request-queue';

class FakePort implements PortLike {
  sent: Array<Record<string, unknown>> = [];
  private msgListeners: Array<(m: unknown) => void> = [];
  private discListeners: Array<() => void> = [];
  disconnected = false;
  onMessage = { addListener: (fn: (m: unknown) => void) => this.msgListeners.push(fn) };
  onDisconnect = { addListener: (fn: () => void) => this.discListeners.push(fn) };
  postMessage(m: unknown) {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(m as Record<string, unknown>);
  }
  disconnect() {
    this.disconnected = true;
  }
  reply(m: unknown) {
    for (const fn of this.msgListeners) fn(m);
  }
  die() {
    this.disconnected = true;
    for (const fn of this.discListeners) fn();
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const HELLO = { type: 'hello', protocol: 1, host_version: '0.1.0', packs: [], org: { org_field_name: 'Larkspur Home Care' } };

describe('HostConnection', () => {
  let ports: FakePort[];
  let lastError: string | undefined;
  let states: HostState[];
  let conn: HostConnection;

  beforeEach(() => {
    vi.useFakeTimers();
    ports = [];
    lastError = undefined;
    states = [];
    conn = new HostConnection({
      connect: () => {
        const p = new FakePort();
        ports.push(p);
        return p;
      },
      lastError: () => lastError,
      extensionVersion: '0.1.0',
      random: () => 0.5,
    });
    conn.onStateChange((s) => states.push(s));
  });
  afterEach(() => vi.useRealTimers());

  function connect() {
    conn.ensureConnected();
    const port = ports.at(-1)!;
    const hello = port.sent[0];
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, extension_version: '0.1.0' });
    port.reply({ ...HELLO, id: hello.id });
    return port;
  }

  it('says hello on one port and reports connected with the org profile', async () => {
    connect();
    await flush();
    expect(conn.getState().status).toBe('connected');
    expect(conn.getState().hello?.org).toEqual({ org_field_name: 'Larkspur Home Care' });
    conn.ensureConnected();
    expect(ports).toHaveLength(1);
  });

  it('matches replies to requests by id, whatever their order', async () => {
    const port = connect();
    await flush();
    const a = conn.request({ type: 'scan', text: 'one' }, 1000);
    const b = conn.request({ type: 'scan', text: 'two' }, 1000);
    await flush();
    const [sa, sb] = port.sent.slice(1);
    port.reply({ type: 'result', id: sb.id, findings: [{ rule: 'b' }] });
    port.reply({ type: 'result', id: sa.id, findings: [{ rule: 'a' }] });
    expect(((await a) as { findings: { rule: string }[] }).findings[0].rule).toBe('a');
    expect(((await b) as { findings: { rule: string }[] }).findings[0].rule).toBe('b');
  });

  it('turns host error frames into HostRequestError', async () => {
    const port = connect();
    await flush();
    const a = conn.request({ type: 'scan', text: 'x' }, 1000);
    await flush();
    port.reply({ type: 'error', id: port.sent[1].id, code: 7, name: 'text_too_large', message: 'too big' });
    await expect(a).rejects.toBeInstanceOf(HostRequestError);
  });

  it('recognises a missing host, fails pending requests and retries with back-off', async () => {
    conn.ensureConnected();
    const pending = conn.request({ type: 'scan', text: 'x' }, 1000).catch((e) => e);
    lastError = 'Specified native messaging host not found.';
    ports[0].die();
    expect(await pending).toBeInstanceOf(HostUnavailableError);
    const s = conn.getState();
    expect(s.status).toBe('off');
    expect(s.problem).toBe('not-installed');
    expect(s.detail).toBe('Specified native messaging host not found.');
    // While off, requests fail at once instead of waiting: typing is never held up.
    await expect(conn.request({ type: 'scan', text: 'y' }, 1000)).rejects.toBeInstanceOf(HostUnavailableError);
    expect(ports).toHaveLength(1);
    vi.advanceTimersByTime(s.retryAt! - Date.now());
    expect(ports).toHaveLength(2);
  });

  it('backs off further after each crash and resets once a hello succeeds', () => {
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      conn.reconnectNow();
      lastError = 'Native host has exited.';
      const start = Date.now();
      ports.at(-1)!.die();
      delays.push(conn.getState().retryAt! - start);
    }
    expect(delays).toEqual([500, 1000, 2000]);
    conn.reconnectNow();
    const port = ports.at(-1)!;
    port.reply({ ...HELLO, id: port.sent[0].id });
    return flush().then(() => {
      expect(conn.getState().status).toBe('connected');
      lastError = 'Native host has exited.';
      const start = Date.now();
      port.die();
      expect(conn.getState().retryAt! - start).toBe(500);
    });
  });

  it('treats a request timeout as a hung host: off, port closed, late reply dropped', async () => {
    const port = connect();
    await flush();
    const a = conn.request({ type: 'scan', text: 'x' }, 800).catch((e) => e);
    const id = port.sent[1].id;
    vi.advanceTimersByTime(800);
    expect(await a).toBeInstanceOf(RequestTimeoutError);
    expect(conn.getState()).toMatchObject({ status: 'off', problem: 'unresponsive' });
    expect(port.disconnected).toBe(true);
    port.reply({ type: 'result', id, findings: [] }); // late: must not throw or change state
    expect(conn.getState().status).toBe('off');
  });

  it('reports a caller the host refuses as an install problem', async () => {
    conn.ensureConnected();
    const port = ports[0];
    port.reply({ type: 'error', id: port.sent[0].id, code: 8, name: 'caller_not_allowed' });
    await flush();
    expect(conn.getState()).toMatchObject({ status: 'off', problem: 'caller-not-allowed' });
    expect(port.disconnected).toBe(true);
  });

  it('holds other requests until hello is answered, so a slow first start is not killed', async () => {
    conn.ensureConnected();
    const port = ports[0];
    const audit = conn.request({ type: 'audit', event: {} }, 1000);
    await flush();
    expect(port.sent.map((m) => m.type)).toEqual(['hello']);
    vi.advanceTimersByTime(30_000); // a cold rule-database compile
    expect(conn.getState().status).toBe('connecting');
    port.reply({ ...HELLO, id: port.sent[0].id });
    await flush();
    expect(port.sent.map((m) => m.type)).toEqual(['hello', 'audit']);
    port.reply({ type: 'ok', id: port.sent[1].id });
    await expect(audit).resolves.toMatchObject({ type: 'ok' });
  });

  it('gives up on a host that never answers hello, after the long hello timeout', async () => {
    conn.ensureConnected();
    const audit = conn.request({ type: 'audit', event: {} }, 1000).catch((e) => e);
    vi.advanceTimersByTime(120_000);
    await flush();
    expect(conn.getState()).toMatchObject({ status: 'off', problem: 'unresponsive' });
    expect(await audit).toBeInstanceOf(HostUnavailableError);
  });

  it('refuses a host speaking another protocol version', async () => {
    conn.ensureConnected();
    const port = ports[0];
    port.reply({ ...HELLO, protocol: 2, id: port.sent[0].id });
    await flush();
    expect(conn.getState()).toMatchObject({ status: 'off', problem: 'incompatible' });
  });
});
