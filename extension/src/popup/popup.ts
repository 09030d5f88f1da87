import { t } from '../shared/i18n';
import { coverageSection, getState, h, statusSection } from '../ui/status-view';

async function render(): Promise<void> {
  const app = document.getElementById('app')!;
  const state = await getState();
  const options = h('button', { type: 'button' }, t('openOptions'));
  options.addEventListener('click', () => void chrome.runtime.openOptionsPage());
  app.replaceChildren(
    h('h1', {}, t('popupTitle')),
    statusSection(state, () => void chrome.runtime.sendMessage({ kind: 'reconnect' }).then(() => setTimeout(render, 800))),
    coverageSection(state),
    options,
  );
}

void render();
