import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUDIT_ACTIONS, POST_REASONS } from './protocol';

// The host refuses audit events whose action or reason it does not know; keep the two in step.
const hostAudit = fileURLToPath(new URL('../../../host/core/src/audit_log.cpp', import.meta.url));

function setIn(source: string, name: string): string[] {
  const m = source.match(new RegExp(`${name}\\s*=\\s*\\{([^}]*)\\}`));
  if (!m) throw new Error(`${name} not found in audit_log.cpp`);
  return [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
}

describe('audit vocabulary matches careguard-host', () => {
  const source = readFileSync(hostAudit, 'utf8');
  it('uses only actions the host accepts', () => {
    expect(setIn(source, 'kActions')).toEqual(expect.arrayContaining([...AUDIT_ACTIONS]));
  });
  it('uses only reasons the host accepts', () => {
    expect(setIn(source, 'kReasons')).toEqual(expect.arrayContaining([...POST_REASONS]));
  });
});
