import { t } from '../shared/i18n';
import type { ManagedSettings } from '../shared/settings';
import { normaliseSite } from '../shared/settings';
import { coverageSection, getHostStatus, getState, h, policySection, statusSection } from '../ui/status-view';

async function managed(): Promise<ManagedSettings> {
  try {
    return (await chrome.storage.managed.get(null)) as ManagedSettings;
  } catch {
    return {};
  }
}

function adminSection(m: ManagedSettings): HTMLElement {
  const s = h('section', {}, h('h2', {}, t('optionsAdminTitle')));
  if (Object.keys(m).length === 0) {
    s.append(h('p', {}, t('optionsNoManaged')));
    return s;
  }
  const dl = h('dl');
  const overrides = Object.entries(m.severity_overrides ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ');
  dl.append(h('dt', {}, t('optionsSeverityOverrides')), h('dd', {}, overrides || '-'));
  dl.append(h('dt', {}, t('optionsRequireReason')), h('dd', {}, m.require_reason_to_post ? t('optionsYes') : t('optionsNo')));
  dl.append(h('dt', {}, t('optionsPackUrl')), h('dd', {}, m.pack_update_url ?? '-'));
  s.append(dl);
  return s;
}

function userSitesSection(sites: string[], onChange: (sites: string[]) => void): HTMLElement {
  const input = h('input', { type: 'text', id: 'add-site', placeholder: t('optionsAddSitePlaceholder'), autocomplete: 'off' }) as HTMLInputElement;
  const error = h('p', { role: 'alert', class: 'error' });
  const add = h('button', { type: 'submit' }, t('optionsAdd'));
  const form = h('form', {}, h('label', { for: 'add-site' }, t('optionsAddSite')), input, add, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const site = normaliseSite(input.value);
    if (!site) {
      error.textContent = t('optionsInvalidSite');
      return;
    }
    // Firefox asks the person for host access to a site an extension was not installed with.
    await chrome.permissions.request({ origins: [`*://${site}/*`, `*://*.${site}/*`] }).catch(() => false);
    onChange([...new Set([...sites, site])]);
  });
  const list = h('ul', {}, ...sites.map((s) => {
    const remove = h('button', { type: 'button', 'aria-label': `${t('optionsRemove')} ${s}` }, t('optionsRemove'));
    remove.addEventListener('click', () => onChange(sites.filter((x) => x !== s)));
    return h('li', {}, `${s} `, remove);
  }));
  return h('section', {}, list, form);
}

async function render(): Promise<void> {
  const app = document.getElementById('app')!;
  const [state, m] = await Promise.all([getState(), managed()]);
  const status = state.host.status === 'connected' ? await getHostStatus() : null;
  app.replaceChildren(
    h('h1', {}, t('optionsTitle')),
    statusSection(state, () => void chrome.runtime.sendMessage({ kind: 'reconnect' }).then(() => setTimeout(render, 800)), status),
    policySection(state),
    coverageSection(state),
    userSitesSection(state.settings.userSites, (sites) => void chrome.runtime.sendMessage({ kind: 'setUserSites', sites }).then(() => setTimeout(render, 300))),
    adminSection(m),
  );
}

void render();
