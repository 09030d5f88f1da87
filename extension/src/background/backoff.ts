// Reconnect delays. Exponential so a crashing host is not restarted in a tight loop, capped so
// protection comes back within a minute of IT fixing the install, jittered so many tabs' workers
// (one per profile) do not hammer the host in step.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  jitter: number; // 0..1, fraction of the delay added or removed at random
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000, jitter: 0.2 };

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const spread = exp * opts.jitter * (random() * 2 - 1);
  return Math.max(opts.baseMs / 2, Math.min(opts.maxMs, Math.round(exp + spread)));
}
