// Status, coverage and policy summary, shared by the popup and the options page. Plain DOM:
// two small pages do not need a framework.

import type { StateResponse } from '../shared/messages';
import type { PackError, PackInfo, StatusReply } from '../shared/protocol';
import { t } from '../shared/i18n';
import { clauseExplanation, clauseTitle, orgName, orgValue } from '../shared/policy-text';
import { BUILTIN_ADAPTERS } from '../site-adapters/adapter-registry';

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export async function getState(): Promise<StateResponse> {
  return (await chrome.runtime.sendMessage({ kind: 'getState' })) as StateResponse;
}

function row(label: string, value: string): HTMLElement {
  return h('div', { class: 'row' }, h('dt', {}, label), h('dd', {}, value));
}

/** The host's `status` reply: fresher than hello's pack list when packs were reloaded since. */
export async function getHostStatus(): Promise<StatusReply | null> {
  const r = (await chrome.runtime.sendMessage({ kind: 'hostStatus' }).catch(() => null)) as StatusReply | null;
  return r && r.type === 'status' ? r : null;
}

export function statusSection(state: StateResponse, onRetry: () => void, status: StatusReply | null = null): HTMLElement {
  const host = state.host;
  const on = host.status === 'connected';
  const heading = h('p', { class: `status ${host.status}`, 'data-host-status': host.status, role: 'status' },
    on ? t('statusConnected') : host.status === 'connecting' ? t('statusConnecting') : t('statusOff'));
  const dl = h('dl');
  const hello = host.hello;
  dl.append(row(t('statusExtensionVersion'), state.extensionVersion));
  if (hello) {
    dl.append(row(t('statusHostVersion'), hello.host_version ?? '?'));
    dl.append(row(t('statusOrganisation'), orgName(hello.org)));
    const packs = status?.packs ?? hello.packs ?? [];
    const errors = status?.pack_errors ?? hello.pack_errors ?? [];
    dl.append(row(t('statusPacks'), packs.map((p: PackInfo) => `${p.id} ${p.version}`).join(', ') || '-'));
    if (errors.length) dl.append(row(t('statusPackErrors'), errors.map((e: PackError) => `${e.path ?? ''} ${e.error}`).join('; ')));
  }
  const out = h('section', { 'aria-labelledby': 'status-h' }, heading, dl);
  if (!on && host.status === 'off') {
    const problem = (host.problem ?? 'unknown').replace(/-/g, '_');
    out.append(h('p', {}, t(`problem_${problem}`)), h('p', {}, t('stateOffContactIt')));
    if (host.detail) out.append(h('p', { class: 'detail' }, host.detail));
    const retry = h('button', { type: 'button' }, t('statusRetry'));
    retry.addEventListener('click', onRetry);
    out.append(retry);
  }
  return out;
}

export function coverageSection(state: StateResponse): HTMLElement {
  const list = (xs: string[]) => (xs.length ? h('ul', {}, ...xs.map((x) => h('li', {}, x))) : h('p', {}, t('coverageNone')));
  const social = [...new Set(BUILTIN_ADAPTERS.flatMap((a) => a.hosts))];
  return h('section', {},
    h('h2', {}, t('coverageTitle')),
    h('h3', {}, t('coverageBuiltIn')), list(social),
    h('h3', {}, t('coverageAdmin')), list(state.settings.adminSites),
    h('h3', {}, t('coverageUser')), list(state.settings.userSites),
  );
}

const SUMMARY_CLAUSES = ['4.1', '4.3', '6.1', '6.2', '7.1', '7.2', '9.1', '12.1'];

export function policySection(state: StateResponse): HTMLElement {
  const org = state.host.hello?.org;
  const dl = h('dl');
  dl.append(row(t('policySafeguardingLead'), [orgValue(org, 'safeguarding_lead'), orgValue(org, 'safeguarding_contact')].filter(Boolean).join(', ') || t('orgFieldMissing')));
  dl.append(row(t('policyReportingChannel'), orgValue(org, 'reporting_channel') ?? t('orgFieldMissing')));
  dl.append(row(t('policyOfficialAccounts'), orgValue(org, 'official_accounts') ?? t('orgFieldMissing')));
  return h('section', {},
    h('h2', {}, `${t('policyTitle')}: ${orgName(org)}`),
    dl,
    ...SUMMARY_CLAUSES.map((c) => h('details', {}, h('summary', {}, `${t('policyClause', c)} ${clauseTitle(c)}`), h('p', {}, clauseExplanation(c, org)))),
  );
}
