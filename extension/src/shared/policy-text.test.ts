import { beforeAll, describe, expect, it } from 'vitest';
import messages from '../../_locales/en_GB/messages.json';
import { setMessageSource, t } from './i18n';
import { categoryLabel, clauseExplanation, clauseTitle, fillTemplate, reportContactLine } from './policy-text';

const org = {
  org_field_name: 'Larkspur Home Care Ltd',
  safeguarding_lead: 'Priya Okafor',
  safeguarding_contact: '01632 960123',
  reporting_channel: 'hr@larkspur.example',
  official_accounts: ['facebook.com/larkspurcare', 'x.com/larkspurcare'],
};

beforeAll(() => setMessageSource(messages as never));

describe('policy text', () => {
  it('fills the clause with the organisation profile', () => {
    expect(clauseTitle('7.2')).toBe('Confidentiality breaches');
    expect(clauseExplanation('7.2', org)).toContain("Larkspur Home Care Ltd's internal communications");
    expect(clauseExplanation('6.1', org)).toContain('facebook.com/larkspurcare, x.com/larkspurcare');
    expect(clauseExplanation('7.1', org)).toContain('Priya Okafor (01632 960123)');
  });

  it('says to ask a manager when a field is missing, and never leaves a placeholder', () => {
    const text = clauseExplanation('7.1', {});
    expect(text).not.toMatch(/\{\{/);
    expect(text).toContain('(ask your manager)');
    expect(fillTemplate('{{org_field_name}}', undefined)).toBe('your organisation');
  });

  it('sends safeguarding reports to the safeguarding lead and others to the reporting channel', () => {
    expect(reportContactLine('safeguarding', org)).toBe('Contact your safeguarding lead now: Priya Okafor, 01632 960123');
    expect(reportContactLine('colleague', org)).toBe('Report it to your line manager or HR: hr@larkspur.example');
  });

  it('labels every category and substitutes placeholders', () => {
    expect(categoryLabel('personal-identifier')).toBe('Personal details');
    expect(categoryLabel('health-record')).toBe('Health or care record');
    expect(t('policyClause', '7.2')).toBe('Policy 7.2');
    expect(t('findingsCount', 2)).toBe('CareGuard found 2 thing(s) to check in this post');
  });

  it('has a clause text for an unknown clause number', () => {
    expect(clauseExplanation('99', org)).toContain("Larkspur Home Care Ltd's social media policy");
  });
});
