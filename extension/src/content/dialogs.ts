// Modal questions asked at the moment of posting or attaching. Focus moves into the dialog, Tab
// stays inside it, Escape is the safe answer (go back), and focus returns to where it was.

import { POST_REASONS, type Finding, type OrgProfile, type PostReason } from '../shared/protocol';
import { t } from '../shared/i18n';
import { categoryLabel, safeguardingContact } from '../shared/policy-text';
import type { CareGuardRoot } from './careguard-root';


export type GuardAnswer = { post: false } | { post: true; reason?: PostReason };

function make(doc: Document, tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

let openCount = 0;
export function dialogOpen(): boolean {
  return openCount > 0;
}

function showModal<T>(root: CareGuardRoot, build: (dialog: HTMLElement, done: (v: T) => void) => void, onEscape: T, name: string): Promise<T> {
  const doc = root.host.ownerDocument;
  const previous = doc.activeElement as HTMLElement | null;
  const modal = make(doc, 'div', { class: 'modal', 'data-careguard-dialog': name });
  const dialog = make(doc, 'div', { class: 'dialog', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'cg-dlg-title', 'aria-describedby': 'cg-dlg-body' });
  modal.append(dialog);
  openCount += 1;
  return new Promise<T>((resolve) => {
    let finished = false;
    const done = (v: T) => {
      if (finished) return;
      finished = true;
      openCount -= 1;
      modal.remove();
      previous?.focus?.({ preventScroll: true });
      resolve(v);
    };
    build(dialog, done);
    modal.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Escape') done(onEscape);
      if (e.key === 'Tab') {
        const items = [...dialog.querySelectorAll<HTMLElement>('button, input')];
        const i = items.indexOf(root.shadow.activeElement as HTMLElement);
        const next = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i + 1) % items.length;
        items[next]?.focus();
        e.preventDefault();
      }
    });
    root.ui.append(modal);
    dialog.querySelector<HTMLElement>('button.primary')?.focus();
  });
}

export function askBeforePosting(root: CareGuardRoot, opts: { decision: 'block' | 'confirm'; findings: Finding[]; org: OrgProfile | undefined; requireReason: boolean }): Promise<GuardAnswer> {
  return showModal<GuardAnswer>(root, (dialog, done) => {
    const doc = dialog.ownerDocument;
    const block = opts.decision === 'block';
    dialog.append(make(doc, 'h2', { id: 'cg-dlg-title' }, block ? t('guardTitleBlock') : t('guardTitleWarn')));
    dialog.append(make(doc, 'p', { id: 'cg-dlg-body' }, block ? t('guardBodyBlock') : t('guardBodyWarn')));
    const list = make(doc, 'ul');
    for (const f of opts.findings) list.append(make(doc, 'li', {}, `${categoryLabel(f.category)} (${t('policyClause', f.clause)}): ${f.message}`));
    dialog.append(list);
    if (opts.findings.some((f) => f.category === 'safeguarding')) dialog.append(make(doc, 'p', { class: 'note safeguarding' }, t('safeguardingHowTo', safeguardingContact(opts.org))));
    const buttons = make(doc, 'div', { class: 'buttons' });
    const back = make(doc, 'button', { type: 'button', class: 'primary', 'data-action': 'back' }, t('guardBack'));
    back.addEventListener('click', () => done({ post: false }));
    buttons.append(back);
    if (!block) {
      let fieldset: HTMLElement | null = null;
      const error = make(doc, 'p', { class: 'error', role: 'alert' });
      if (opts.requireReason) {
        fieldset = make(doc, 'fieldset');
        fieldset.append(make(doc, 'legend', {}, t('guardReasonLegend')));
        for (const r of POST_REASONS) {
          const label = make(doc, 'label');
          const input = make(doc, 'input', { type: 'radio', name: 'cg-reason', value: r });
          label.append(input, doc.createTextNode(` ${t(`reason_${r}`)}`));
          fieldset.append(label);
        }
        dialog.append(fieldset, error);
      }
      const post = make(doc, 'button', { type: 'button', 'data-action': 'post-anyway' }, t('guardPostAnyway'));
      post.addEventListener('click', () => {
        if (!fieldset) return done({ post: true });
        const chosen = fieldset.querySelector<HTMLInputElement>('input:checked');
        if (!chosen) {
          error.textContent = t('guardReasonNeeded');
          return;
        }
        done({ post: true, reason: chosen.value as PostReason });
      });
      buttons.append(post);
    }
    dialog.append(buttons);
  }, { post: false }, 'guard');
}

export function askAttachmentConsent(root: CareGuardRoot, opts: { gps: boolean }): Promise<boolean> {
  return showModal<boolean>(root, (dialog, done) => {
    const doc = dialog.ownerDocument;
    dialog.append(make(doc, 'h2', { id: 'cg-dlg-title' }, t('attachTitle')));
    dialog.append(make(doc, 'p', { id: 'cg-dlg-body' }, t('attachBody')));
    if (opts.gps) dialog.append(make(doc, 'p', { class: 'gps', role: 'alert', 'data-careguard-gps': '' }, t('attachGps')));
    const buttons = make(doc, 'div', { class: 'buttons' });
    const cancel = make(doc, 'button', { type: 'button', class: 'primary', 'data-action': 'cancel' }, t('attachCancel'));
    cancel.addEventListener('click', () => done(false));
    const ok = make(doc, 'button', { type: 'button', 'data-action': 'consent' }, t('attachConfirm'));
    ok.addEventListener('click', () => done(true));
    buttons.append(cancel, ok);
    dialog.append(buttons);
  }, false, 'attachment');
}
