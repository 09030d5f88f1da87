import { describe, expect, it, vi } from 'vitest';
import { backoffDelay } from './backoff';
import { classifyHostError, needsInstallFix } from './host-errors';
import { HostUnavailableError, RequestQueue, RequestTimeoutError } from './request-queue';
import { ScanCoalescer, SUPERSEDED } from './scan-coalescer';

describe('RequestQueue', () => {
  it('gives each request a distinct id and settles it by id', async () => {
    const q = new RequestQueue();
    const a = q.add<{ id: string; v: number }>('scan', 1000);
    const b = q.add<{ id: string; v: number }>('scan', 1000);
    expect(a.id).not.toBe(b.id);
    expect(q.settle({ id: b.id, v: 2 } as never)).toBe('settled');
    expect(q.settle({ id: a.id, v: 1 } as never)).toBe('settled');
    expect((await a.promise).v).toBe(1);
    expect((await b.promise).v).toBe(2);
    expect(q.size).toBe(0);
  });

  it('drops replies nobody waits for: unknown, repeated, and from an older connection', () => {
    const q = new RequestQueue();
    const a = q.add('scan', 1000);
    expect(q.settle({ id: 'nope' })).toBe('stale');
    expect(q.settle({ id: null })).toBe('stale');
    expect(q.settle({ id: a.id })).toBe('settled');
    expect(q.settle({ id: a.id })).toBe('stale');
    q.nextGeneration();
    const b = q.add('scan', 1000);
    expect(b.id).not.toBe(a.id);
  });

  it('times a request out, tells the owner, and ignores the late reply', async () => {
    vi.useFakeTimers();
    try {
      const onTimeout = vi.fn();
      const q = new RequestQueue(onTimeout);
      const a = q.add('scan', 1500);
      const caught = a.promise.catch((e) => e);
      vi.advanceTimersByTime(1499);
      expect(onTimeout).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      const err = await caught;
      expect(err).toBeInstanceOf(RequestTimeoutError);
      expect(onTimeout).toHaveBeenCalledWith('scan');
      expect(q.settle({ id: a.id })).toBe('stale');
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails everything pending when the connection goes', async () => {
    const q = new RequestQueue();
    const ps = [q.add('scan', 1000).promise.catch((e) => e), q.add('hello', 1000).promise.catch((e) => e)];
    q.failAll(new HostUnavailableError('exited'));
    for (const e of await Promise.all(ps)) expect(e).toBeInstanceOf(HostUnavailableError);
    expect(q.size).toBe(0);
  });
});

describe('backoffDelay', () => {
  const mid = () => 0.5; // no jitter
  it('doubles from the base and stops at the cap', () => {
    const o = { baseMs: 500, maxMs: 60000, jitter: 0.2 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, o, mid))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, o, mid)).toBe(60000);
    expect(backoffDelay(1000, o, mid)).toBe(60000);
  });
  it('keeps jitter within bounds', () => {
    const o = { baseMs: 1000, maxMs: 8000, jitter: 0.2 };
    expect(backoffDelay(1, o, () => 0)).toBe(1600);
    expect(backoffDelay(1, o, () => 0.999999)).toBe(2400);
    expect(backoffDelay(3, o, () => 0.999999)).toBe(8000);
  });
});

describe('classifyHostError', () => {
  it('recognises the browsers’ native messaging errors', () => {
    expect(classifyHostError('Specified native messaging host not found.')).toBe('not-installed');
    expect(classifyHostError('Access to the specified native messaging host is forbidden.')).toBe('forbidden');
    expect(classifyHostError('Failed to start native messaging host.')).toBe('failed-to-start');
    expect(classifyHostError('Native host has exited.')).toBe('exited');
    expect(classifyHostError('Error when communicating with the native messaging host.')).toBe('communication-error');
    expect(classifyHostError('No such native application app.careguard.host')).toBe('not-installed');
    expect(classifyHostError(undefined)).toBe('exited');
    expect(classifyHostError('something new')).toBe('unknown');
  });
  it('separates install problems from crashes', () => {
    expect(needsInstallFix('not-installed')).toBe(true);
    expect(needsInstallFix('forbidden')).toBe(true);
    expect(needsInstallFix('exited')).toBe(false);
  });
});

describe('ScanCoalescer', () => {
  it('runs one scan per key at a time and only the newest waiting one', async () => {
    const started: string[] = [];
    const resolvers: Array<(v: string) => void> = [];
    const c = new ScanCoalescer<string, string>((req) => {
      started.push(req);
      return new Promise((r) => resolvers.push(r));
    });
    const p1 = c.submit('k', 'a');
    const p2 = c.submit('k', 'ab');
    const p3 = c.submit('k', 'abc');
    const other = c.submit('k2', 'x');
    expect(started).toEqual(['a', 'x']);
    expect(await p2).toBe(SUPERSEDED);
    resolvers[0]('ra');
    expect(await p1).toBe('ra');
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual(['a', 'x', 'abc']);
    resolvers[2]('rabc');
    expect(await p3).toBe('rabc');
    resolvers[1]('rx');
    expect(await other).toBe('rx');
  });
});
