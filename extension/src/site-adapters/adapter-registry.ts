// Site adapters are data: the built-in list ships in builtin-adapters.json, and a newer list can
// arrive without a release, from a pack the host accepted or from the admin's managed settings.
// Everything from outside is validated here; a bad entry is dropped, never half-used.

import builtin from './builtin-adapters.json';
import generic from './generic-adapter.json';
import { hostMatchesSite } from '../shared/settings';

export type SendKey = 'Enter' | 'Mod+Enter';

export interface ComposerSpec {
  selector: string;
  field: string;
  send_keys?: SendKey[];
}

export interface SiteAdapter {
  id: string;
  hosts: string[];
  composers: ComposerSpec[];
  submit: string[];
  submit_labels?: string[];
  attachments: string[];
}

const SEND_KEYS = new Set<SendKey>(['Enter', 'Mod+Enter']);

function strings(x: unknown, max = 64): string[] | null {
  if (!Array.isArray(x) || x.length > max) return null;
  if (!x.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 512)) return null;
  return x as string[];
}

/** Returns a clean copy of one adapter, or null when it is malformed. */
export function validateAdapter(raw: unknown, isSelector: (s: string) => boolean = () => true): SiteAdapter | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(r.id)) return null;
  const hosts = strings(r.hosts);
  const submit = strings(r.submit);
  const attachments = strings(r.attachments ?? []);
  const labels = r.submit_labels === undefined ? [] : strings(r.submit_labels);
  if (!hosts || !submit || !attachments || !labels || !Array.isArray(r.composers) || r.composers.length === 0) return null;
  const composers: ComposerSpec[] = [];
  for (const c of r.composers as unknown[]) {
    if (!c || typeof c !== 'object') return null;
    const cc = c as Record<string, unknown>;
    if (typeof cc.selector !== 'string' || typeof cc.field !== 'string' || !isSelector(cc.selector)) return null;
    const keys = cc.send_keys === undefined ? [] : strings(cc.send_keys);
    if (!keys || !keys.every((k) => SEND_KEYS.has(k as SendKey))) return null;
    composers.push({ selector: cc.selector, field: cc.field.slice(0, 32), send_keys: keys as SendKey[] });
  }
  if (![...submit, ...attachments].every(isSelector)) return null;
  return {
    id: r.id,
    hosts: hosts.map((h) => h.toLowerCase()),
    composers,
    submit,
    submit_labels: labels,
    attachments,
  };
}

export function validateAdapterList(raw: unknown, isSelector?: (s: string) => boolean): SiteAdapter[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((a) => validateAdapter(a, isSelector)).filter((a): a is SiteAdapter => a !== null);
}

/** Later lists win: an adapter replaces any earlier one with the same id. */
export function mergeAdapters(...lists: SiteAdapter[][]): SiteAdapter[] {
  const byId = new Map<string, SiteAdapter>();
  for (const list of lists) for (const a of list) byId.set(a.id, a);
  return [...byId.values()];
}

export const BUILTIN_ADAPTERS: SiteAdapter[] = validateAdapterList(builtin);
export const GENERIC_ADAPTER: SiteAdapter = validateAdapter(generic) as SiteAdapter;

/**
 * The adapter for a page: a site adapter when one names the host, else the generic
 * any-text-field adapter when the host is on the covered list, else none (the page is not covered).
 */
export function adapterForHost(hostname: string, adapters: SiteAdapter[], coveredSites: string[]): SiteAdapter | null {
  for (const a of adapters) if (a.hosts.some((h) => hostMatchesSite(hostname, h))) return a;
  if (coveredSites.some((s) => hostMatchesSite(hostname, s))) return GENERIC_ADAPTER;
  return null;
}

/** Every host a built-in adapter covers, for the manifest's content script matches. */
export function builtinMatchPatterns(): string[] {
  return BUILTIN_ADAPTERS.flatMap((a) => a.hosts.flatMap((h) => [`*://${h}/*`, `*://*.${h}/*`]));
}
