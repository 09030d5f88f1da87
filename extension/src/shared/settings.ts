// Settings come from three places, strongest first: the admin's managed storage (policy), a pack's
// site adapters the host accepted, and what the person added themselves in the options page.
// A person can add coverage but never remove what an admin set.

import type { Severity } from './protocol';

export type SeverityOverride = Severity | 'off';

export interface ManagedSettings {
  covered_sites?: string[];
  severity_overrides?: Record<string, SeverityOverride>;
  require_reason_to_post?: boolean;
  pack_update_url?: string;
}

export interface EffectiveSettings {
  /** Hostnames (a leading "*." or a bare domain both cover subdomains) an admin or the person listed. */
  coveredSites: string[];
  adminSites: string[];
  userSites: string[];
  severityOverrides: Record<string, SeverityOverride>;
  requireReasonToPost: boolean;
  packUpdateUrl: string | null;
}

const SEVERITIES = new Set(['info', 'warn', 'block', 'off']);

export function normaliseSite(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (!s) return null;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  s = s.replace(/[/?#].*$/, '');
  s = s.replace(/:\d+$/, '');
  s = s.replace(/^\*\./, '');
  if (s.startsWith('www.')) s = s.slice(4);
  if (!/^[a-z0-9.-]+$/.test(s) || s.startsWith('.') || s.endsWith('.')) return null;
  return s;
}

export function mergeSettings(managed: ManagedSettings | undefined, userSites: unknown): EffectiveSettings {
  const m = managed ?? {};
  const adminSites = uniq((Array.isArray(m.covered_sites) ? m.covered_sites : []).map((s) => (typeof s === 'string' ? normaliseSite(s) : null)));
  const user = uniq((Array.isArray(userSites) ? userSites : []).map((s) => (typeof s === 'string' ? normaliseSite(s) : null)));
  const overrides: Record<string, SeverityOverride> = {};
  if (m.severity_overrides && typeof m.severity_overrides === 'object') {
    for (const [k, v] of Object.entries(m.severity_overrides)) if (typeof v === 'string' && SEVERITIES.has(v)) overrides[k] = v as SeverityOverride;
  }
  // Plain http only for a pack server on this machine (tests, a local proxy); packs are signed anyway.
  const url =
    typeof m.pack_update_url === 'string' && /^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)[:/])/i.test(m.pack_update_url) ? m.pack_update_url : null;
  return {
    coveredSites: uniq([...adminSites, ...user]),
    adminSites,
    userSites: user,
    severityOverrides: overrides,
    requireReasonToPost: m.require_reason_to_post === true,
    packUpdateUrl: url,
  };
}

/** Hostname is covered by a site entry when equal to it or a subdomain of it. */
export function hostMatchesSite(hostname: string, site: string): boolean {
  const h = hostname.toLowerCase();
  return h === site || h.endsWith(`.${site}`);
}

function uniq(xs: Array<string | null>): string[] {
  return [...new Set(xs.filter((x): x is string => !!x))];
}
