// What the extension knows about one composer. Kept in memory only: the draft itself stays in the
// page, and nothing here is written to storage.

import type { ComposerSpec } from '../site-adapters/adapter-registry';
import type { Finding } from '../shared/protocol';
import { dismissalKey, worstSeverity } from '../shared/findings';
import type { RootState } from './careguard-root';

let nextKey = 1;

export class ComposerState {
  readonly key = `c${nextKey++}`;
  timer: ReturnType<typeof setTimeout> | null = null;
  seq = 0;
  /** The text the current findings were computed for; offsets are into this. */
  scannedText: string | null = null;
  /** The text the latest scan read, which may still be waiting for the host's answer. */
  requestedText: string | null = null;
  findings: Finding[] = [];
  status: RootState = 'idle';
  readonly dismissed = new Set<string>();
  inFlight: Promise<void> | null = null;
  announced = '';
  /** Findings already recorded as shown, so each is audited once. */
  readonly shown = new Set<string>();

  constructor(readonly el: Element, readonly spec: ComposerSpec) {}

  get dirty(): boolean {
    return this.timer !== null || this.inFlight !== null;
  }

  /** Whether the text differs from what was last sent to be checked (no text counts as empty). */
  changedSinceScan(text: string): boolean {
    return text !== (this.requestedText ?? '');
  }

  visible(): Finding[] {
    const text = this.scannedText ?? '';
    return this.findings.filter((f) => !this.dismissed.has(dismissalKey(f, text)));
  }

  dismissedFindings(): Finding[] {
    const text = this.scannedText ?? '';
    return this.findings.filter((f) => this.dismissed.has(dismissalKey(f, text)));
  }

  dismiss(f: Finding): void {
    this.dismissed.add(dismissalKey(f, this.scannedText ?? ''));
  }

  /** Applies a scan's result and drops dismissals whose flagged text has gone. */
  apply(text: string, findings: Finding[]): void {
    this.scannedText = text;
    this.findings = findings;
    const live = new Set(findings.map((f) => dismissalKey(f, text)));
    for (const k of this.dismissed) if (!live.has(k)) this.dismissed.delete(k);
    this.status = statusFor(this.visible(), text);
  }

  refreshStatus(): void {
    this.status = statusFor(this.visible(), this.scannedText ?? '');
  }
}

export function statusFor(visible: Finding[], text: string): RootState {
  if (text.trim() === '') return 'idle';
  const worst = worstSeverity(visible);
  return worst === 'block' ? 'block' : worst === 'warn' ? 'warn' : 'clear';
}
