// patterns/pack.schema.json must accept every pack we ship and refuse what the host refuses, so
// admins' editors and CI can check org packs with it before the host ever sees them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'patterns', 'pack.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

function basePack(): Record<string, unknown> {
  const dir = join(root, 'patterns', 'base');
  const pack = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
  pack.rules = readdirSync(join(dir, 'rules'))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => JSON.parse(readFileSync(join(dir, 'rules', name), 'utf8')));
  return pack;
}

describe('pack.schema.json', () => {
  it('accepts the base pack as shipped', () => {
    const ok = validate(basePack());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('accepts a minimal org pack with overrides, allowlist and names', () => {
    const org = {
      id: 'example-care',
      version: '1.0.0',
      kind: 'org',
      overrides: [{ rule: 'pid.email-address', severity: 'info' }, { rule: 'rep.attack-company', disabled: true }],
      allowlist: ['0161 496 0000'],
      org: { org_field_name: 'Example Care Ltd', official_accounts: ['https://example.org/care'] },
      names: { hash: 'siphash24-16hex', key: '0123456789abcdef0123456789abcdef', service_users: ['00112233aabbccdd'] },
    };
    expect(validate(org)).toBe(true);
  });

  it('accepts names as base64 lists of digests, as careguard org build writes them', () => {
    const names = { hash: 'siphash24-b64', key: '0123456789abcdef0123456789abcdef', service_users: 'ASNFZ4mrze8=', colleagues: '' };
    expect(validate({ id: 'example-care', version: '1.0.0', kind: 'org', names })).toBe(true);
    expect(validate({ id: 'example-care', version: '1.0.0', kind: 'org', names: { ...names, service_users: 'not base64!' } })).toBe(false);
  });

  it.each([
    ['a bad category', { category: 'gossip' }],
    ['a bad severity', { severity: 'urgent' }],
    ['an unknown validator', { validator: 'nhs-numbr' }],
    ['an upper-case id', { id: 'PID.Thing' }],
    ['a context window of 0', { context: { window: 0 } }],
  ])('refuses a rule with %s', (_what, change) => {
    const rule = { id: 'x.rule', category: 'internal', severity: 'warn', clause: '7.2', message: 'Why.', terms: ['rota'], ...change };
    expect(validate({ id: 'p', version: '1.0.0', rules: [rule] })).toBe(false);
  });

  it('refuses a rule with nothing to match', () => {
    const rule = { id: 'x.rule', category: 'internal', severity: 'warn', clause: '7.2', message: 'Why.' };
    expect(validate({ id: 'p', version: '1.0.0', rules: [rule] })).toBe(false);
  });

  it('refuses a version that is not semantic', () => {
    expect(validate({ id: 'p', version: 'v2' })).toBe(false);
  });
});
