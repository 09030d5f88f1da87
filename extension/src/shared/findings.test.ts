import { describe, expect, it } from 'vitest';
import type { Finding } from './protocol';
import { applySeverityOverrides, dismissalKey, guardDecision, worstSeverity } from './findings';

const f = (rule: string, category: Finding['category'], severity: Finding['severity'], start = 0, end = 1): Finding => ({
  rule, category, severity, start, end, clause: '7.2', message: 'm',
});

describe('findings', () => {
  it('applies overrides by rule before category, and drops "off"', () => {
    const out = applySeverityOverrides(
      [f('pid.nhs-number', 'personal-identifier', 'block'), f('pid.key-safe', 'personal-identifier', 'warn'), f('rep.brand', 'reputation', 'warn')],
      { 'pid.nhs-number': 'warn', 'personal-identifier': 'block', reputation: 'off' },
    );
    expect(out.map((x) => [x.rule, x.severity])).toEqual([['pid.nhs-number', 'warn'], ['pid.key-safe', 'block']]);
  });

  it('decides block, confirm or allow', () => {
    expect(guardDecision([f('a', 'internal', 'block')], [])).toBe('block');
    expect(guardDecision([f('a', 'internal', 'warn')], [])).toBe('confirm');
    expect(guardDecision([f('a', 'internal', 'info')], [])).toBe('allow');
    expect(guardDecision([], [f('a', 'internal', 'block')])).toBe('confirm');
    expect(guardDecision([], [f('a', 'internal', 'warn')])).toBe('allow');
    expect(worstSeverity([f('a', 'internal', 'info'), f('b', 'internal', 'warn')])).toBe('warn');
    expect(worstSeverity([])).toBeNull();
  });

  it('keys a dismissal by rule and flagged text, so moving text keeps it and changing text drops it', () => {
    const a = dismissalKey(f('pid.nhs-number', 'personal-identifier', 'block', 4, 16), 'NHS 943 476 5919');
    const b = dismissalKey(f('pid.nhs-number', 'personal-identifier', 'block', 10, 22), 'Hello NHS 943 476 5919');
    const c = dismissalKey(f('pid.nhs-number', 'personal-identifier', 'block', 4, 16), 'NHS 401 023 2137');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
