// Decisions on a composer's findings that the service worker, the card and the post guard share.

import type { Finding, Severity } from './protocol';
import type { SeverityOverride } from './settings';

/** Admin overrides by rule id win over overrides by category; "off" removes the finding. */
export function applySeverityOverrides(findings: Finding[], overrides: Record<string, SeverityOverride>): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const o = overrides[f.rule] ?? overrides[f.category];
    if (o === 'off') continue;
    out.push(o ? { ...f, severity: o } : f);
  }
  return out;
}

const RANK: Record<Severity, number> = { info: 0, warn: 1, block: 2 };

export function worstSeverity(findings: Array<{ severity: Severity }>): Severity | null {
  let worst: Severity | null = null;
  for (const f of findings) if (worst === null || RANK[f.severity] > RANK[worst]) worst = f.severity;
  return worst;
}

export type GuardDecision = 'allow' | 'confirm' | 'block';

/**
 * What happens when the person presses Post. Block findings stop the post. A block finding the
 * person dismissed or called a false positive still needs a confirmation (it is audited), and so
 * does any warning. Info findings never hold a post.
 */
export function guardDecision(active: Finding[], dismissed: Finding[]): GuardDecision {
  if (active.some((f) => f.severity === 'block')) return 'block';
  if (active.some((f) => f.severity === 'warn') || dismissed.some((f) => f.severity === 'block')) return 'confirm';
  return 'allow';
}

/** Findings the person dismissed are remembered by rule and flagged text until the text changes. */
export function dismissalKey(f: Finding, text: string): string {
  return `${f.rule}\u0000${text.slice(f.start, f.end)}`;
}
