import { describe, expect, it } from 'vitest';
import { ComposerState, statusFor } from './composer-state';
import type { Finding } from '../shared/protocol';

const nhs = (start: number): Finding => ({ rule: 'pid.nhs-number', category: 'personal-identifier', severity: 'block', start, end: start + 12, clause: '7.2', message: 'm' });
const keysafe = (start: number): Finding => ({ rule: 'pid.key-safe', category: 'personal-identifier', severity: 'warn', start, end: start + 4, clause: '7.2', message: 'm' });

describe('ComposerState', () => {
  it('works out the state from the worst visible finding', () => {
    expect(statusFor([], '')).toBe('idle');
    expect(statusFor([], 'hello')).toBe('clear');
    expect(statusFor([keysafe(0)], 'x')).toBe('warn');
    expect(statusFor([keysafe(0), nhs(0)], 'x')).toBe('block');
  });

  it('keeps a dismissal while the flagged text stays, wherever it moves', () => {
    const c = new ComposerState({} as Element, { selector: 'x', field: 'post' });
    const t1 = 'NHS 943 476 5919, code 4821';
    c.apply(t1, [nhs(4), keysafe(23)]);
    expect(c.status).toBe('block');
    c.dismiss(c.findings[0]);
    c.refreshStatus();
    expect(c.visible().map((f) => f.rule)).toEqual(['pid.key-safe']);
    expect(c.status).toBe('warn');
    const t2 = 'Note: NHS 943 476 5919, code 4821';
    c.apply(t2, [nhs(10), keysafe(29)]);
    expect(c.visible()).toHaveLength(1);
    expect(c.dismissedFindings().map((f) => f.rule)).toEqual(['pid.nhs-number']);
    const t3 = 'NHS 401 023 2137, code 4821';
    c.apply(t3, [nhs(4), keysafe(23)]);
    expect(c.visible()).toHaveLength(2);
  });

  it('tells a changed text from the one last sent to be checked', () => {
    const c = new ComposerState({} as Element, { selector: 'x', field: 'post' });
    expect(c.changedSinceScan('')).toBe(false);
    expect(c.changedSinceScan('Key safe 4821')).toBe(true);
    c.requestedText = 'Key safe 4821';
    expect(c.changedSinceScan('Key safe 4821')).toBe(false);
    expect(c.changedSinceScan('Key safe 4821.')).toBe(true);
    expect(c.changedSinceScan('')).toBe(true);
  });
});
