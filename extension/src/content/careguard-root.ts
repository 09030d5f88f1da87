// The one element the extension adds to a page. Its attributes are a contract other tests and
// tools read: data-state is the state of the composer last used (or "off" when the host is not
// there), data-findings the number of its current findings. Everything visible is in its shadow root.

import { HIGHLIGHT_CSS, SHADOW_CSS } from './styles';

export type RootState = 'off' | 'idle' | 'checking' | 'clear' | 'warn' | 'block';

export interface CareGuardRoot {
  host: HTMLElement;
  shadow: ShadowRoot;
  ui: HTMLElement;
  live: HTMLElement;
  setState(state: RootState, findings: number): void;
  announce(text: string): void;
}

export function createRoot(doc: Document): CareGuardRoot {
  const host = doc.createElement('careguard-root');
  host.setAttribute('data-state', 'idle');
  host.setAttribute('data-findings', '0');
  // Light-DOM child, not slotted so never rendered, but in the document's style scope.
  const highlightStyle = doc.createElement('style');
  highlightStyle.textContent = HIGHLIGHT_CSS;
  host.append(highlightStyle);
  const shadow = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = SHADOW_CSS;
  const ui = doc.createElement('div');
  ui.className = 'cg';
  const live = doc.createElement('div');
  live.className = 'sr-only';
  live.setAttribute('role', 'status');
  live.setAttribute('aria-live', 'polite');
  live.setAttribute('aria-atomic', 'true');
  shadow.append(style, ui, live);
  const attach = () => {
    if (!host.isConnected) doc.documentElement.append(host);
  };
  attach();
  // Some sites replace the whole <html> children on navigation; put the root back if removed.
  new MutationObserver(attach).observe(doc.documentElement, { childList: true });
  let lastAnnouncement = '';
  return {
    host,
    shadow,
    ui,
    live,
    setState(state, findings) {
      if (host.getAttribute('data-state') !== state) host.setAttribute('data-state', state);
      if (host.getAttribute('data-findings') !== String(findings)) host.setAttribute('data-findings', String(findings));
    },
    announce(text) {
      if (text === lastAnnouncement) return;
      lastAnnouncement = text;
      // Clearing first makes screen readers announce a repeated message too.
      live.textContent = '';
      setTimeout(() => (live.textContent = text), 50);
    },
  };
}
