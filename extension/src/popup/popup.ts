import { t } from '../shared/i18n';
import { coverageSection, getHostStatus, getState, h, statusSection } from '../ui/status-view';

async function render(): Promise<void> {
  const app = document.getElementById('app')!;
  const state = await getState();
  const status = state.host.status === 'connected' ? await getHostStatus() : null;
  const options = h('button', { type: 'button' }, t('openOptions'));
  options.addEventListener('click', () => void chrome.runtime.openOptionsPage());
  app.replaceChildren(
    h('h1', {}, t('popupTitle')),
    statusSection(state, () => void chrome.runtime.sendMessage({ kind: 'reconnect' }).then(() => setTimeout(render, 800)), status),
    coverageSection(state),
    options,
  );
}

void render();
