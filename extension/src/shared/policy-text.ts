// Turns a finding's clause and category into words for staff, with the provider's own details
// (from the org profile in the host's hello reply) filled into the policy template.

import type { Category, OrgProfile } from './protocol';
import { t } from './i18n';

const KNOWN_CLAUSES = new Set(['4.1', '4.3', '5.2', '6.1', '6.2', '7.1', '7.2', '9.1', '12.1', '12.2']);

export function orgValue(org: OrgProfile | undefined, key: string): string | null {
  const v = org?.[key];
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) {
    const parts = v.map((x) => (typeof x === 'string' ? x : x && typeof x === 'object' ? Object.values(x).filter((y) => typeof y === 'string').join(' ') : '')).filter(Boolean);
    return parts.length ? parts.join(', ') : null;
  }
  if (v && typeof v === 'object') {
    const parts = Object.entries(v).filter(([, y]) => typeof y === 'string' && y).map(([k, y]) => `${k}: ${y}`);
    return parts.length ? parts.join(', ') : null;
  }
  return null;
}

export function orgName(org: OrgProfile | undefined): string {
  return orgValue(org, 'org_field_name') ?? t('orgFallbackName');
}

/** Fills {{placeholders}} from the org profile; a missing field says to ask a manager. */
export function fillTemplate(text: string, org: OrgProfile | undefined): string {
  return text.replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/g, (_, key: string) => {
    if (key === 'org_field_name') return orgName(org);
    if (key === 'current_year') return String(new Date().getFullYear());
    return orgValue(org, key) ?? t('orgFieldMissing');
  });
}

export function clauseTitle(clause: string): string {
  const k = clause.replace(/\./g, '_');
  return KNOWN_CLAUSES.has(clause) ? t(`clause_title_${k}`) : '';
}

export function clauseExplanation(clause: string, org: OrgProfile | undefined): string {
  const k = clause.replace(/\./g, '_');
  const text = KNOWN_CLAUSES.has(clause) ? t(`clause_text_${k}`) : t('clause_unknown');
  return fillTemplate(text, org);
}

export function categoryLabel(category: Category | string): string {
  return t(`cat_${String(category).replace(/-/g, '_')}`);
}

export function safeguardingContact(org: OrgProfile | undefined): string {
  const lead = orgValue(org, 'safeguarding_lead');
  const contact = orgValue(org, 'safeguarding_contact');
  if (lead && contact) return `${lead}, ${contact}`;
  return lead ?? contact ?? t('safeguardingLeadUnknown');
}

/** Who a "report a concern" goes to: the safeguarding lead for safeguarding, otherwise line manager or HR. */
export function reportContactLine(category: Category | string, org: OrgProfile | undefined): string {
  if (category === 'safeguarding') return t('reportContactSafeguarding', safeguardingContact(org));
  return t('reportContactLine', orgValue(org, 'reporting_channel') ?? t('reportContactUnknown'));
}
