// The browsers report native messaging failures only as English strings, so they are matched
// here in one place. Chromium's strings are from extensions/browser/api/messaging; Firefox's from
// toolkit/components/extensions/NativeMessaging.sys.mjs.

export type HostProblem =
  | 'not-installed'
  | 'forbidden'
  | 'failed-to-start'
  | 'exited'
  | 'communication-error'
  | 'unresponsive'
  | 'caller-not-allowed'
  | 'incompatible'
  | 'starting'
  | 'unknown';

const PATTERNS: ReadonlyArray<[RegExp, HostProblem]> = [
  [/specified native messaging host not found/i, 'not-installed'],
  [/no such native application/i, 'not-installed'],
  [/access to the specified native messaging host is forbidden/i, 'forbidden'],
  [/failed to start native messaging host/i, 'failed-to-start'],
  [/native host has exited/i, 'exited'],
  [/error when communicating with the native messaging host/i, 'communication-error'],
  [/invalid native messaging host name/i, 'not-installed'],
];

export function classifyHostError(message: string | undefined | null): HostProblem {
  if (!message) return 'exited';
  for (const [pattern, problem] of PATTERNS) if (pattern.test(message)) return problem;
  return 'unknown';
}

/** Problems that need IT to change the installation; retrying quickly will not help. */
export function needsInstallFix(problem: HostProblem): boolean {
  return problem === 'not-installed' || problem === 'forbidden' || problem === 'caller-not-allowed' || problem === 'incompatible';
}
