// The card next to the composer: what was found, why, and what the person can do about it.
// Buttons are real <button>s in the shadow root, so they work from the keyboard and are announced
// properly; Alt+Shift+G moves focus here from the composer and Escape goes back.

import type { HostState } from '../background/host-connection';
import type { Finding, OrgProfile } from '../shared/protocol';
import { t } from '../shared/i18n';
import { worstSeverity } from '../shared/findings';
import { categoryLabel, clauseExplanation, clauseTitle, reportContactLine, safeguardingContact } from '../shared/policy-text';
import type { CareGuardRoot } from './careguard-root';

export type FindingAction = 'edit' | 'dismiss' | 'fine' | 'report';

export interface CardHandlers {
  onAction(finding: Finding, action: FindingAction): void;
  onEscape(): void;
  onRetry(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export class FindingsCard {
  private readonly card: HTMLElement;
  private readonly pill: HTMLElement;
  private anchor: Element | null = null;
  private notes = new Map<string, string>();
  private openWhy = new Set<string>();
  private current: { findings: Finding[]; org: OrgProfile | undefined } = { findings: [], org: undefined };
  private userClosed = false;

  constructor(private readonly root: CareGuardRoot, private readonly handlers: CardHandlers) {
    const doc = root.host.ownerDocument;
    this.card = el(doc, 'section', { class: 'card', role: 'region', 'aria-label': 'CareGuard', 'data-careguard-card': '' });
    this.card.hidden = true;
    this.card.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.handlers.onEscape();
      }
    });
    this.pill = el(doc, 'div', { class: 'pill', role: 'alert', 'data-careguard-off': '' });
    this.pill.hidden = true;
    root.ui.append(this.card, this.pill);
    const reposition = () => this.position();
    doc.defaultView?.addEventListener('scroll', reposition, { capture: true, passive: true });
    doc.defaultView?.addEventListener('resize', reposition, { passive: true });
  }

  get element(): HTMLElement {
    return this.card;
  }

  isOpen(): boolean {
    return !this.card.hidden;
  }

  show(anchor: Element, findings: Finding[], org: OrgProfile | undefined): void {
    const changed = anchor !== this.anchor || JSON.stringify(findings) !== JSON.stringify(this.current.findings);
    if (anchor !== this.anchor) this.userClosed = false;
    this.anchor = anchor;
    this.current = { findings, org };
    if (findings.length === 0 || this.userClosed) {
      this.card.hidden = true;
      return;
    }
    if (changed || this.card.hidden) this.render();
    this.card.hidden = false;
    this.position();
  }

  hide(): void {
    this.card.hidden = true;
  }

  focusFirst(): void {
    if (this.card.hidden && this.current.findings.length > 0) {
      this.userClosed = false;
      this.render();
      this.card.hidden = false;
      this.position();
    }
    (this.card.querySelector<HTMLElement>('.finding button') ?? this.card.querySelector<HTMLElement>('button'))?.focus();
  }

  contains(node: Node | null): boolean {
    return !!node && (this.card.contains(node) || this.root.shadow.contains(node));
  }

  note(key: string, text: string): void {
    this.notes.set(key, text);
    this.render();
    this.root.announce(text);
  }

  showOff(state: HostState): void {
    const doc = this.root.host.ownerDocument;
    const problem = (state.problem ?? 'unknown').replace(/-/g, '_');
    const retry = el(doc, 'button', { type: 'button' }, t('statusRetry'));
    retry.addEventListener('click', () => this.handlers.onRetry());
    const starting = problem === 'starting';
    this.pill.replaceChildren(
      el(doc, 'strong', {}, t('stateOffTitle')),
      el(doc, 'p', {}, t(`problem_${problem}`)),
      ...(starting ? [] : [el(doc, 'p', {}, t('stateOffContactIt')), retry]),
    );
    this.pill.hidden = false;
  }

  hideOff(): void {
    this.pill.hidden = true;
  }

  private position(): void {
    if (this.card.hidden || !this.anchor) return;
    const r = this.anchor.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const h = this.card.offsetHeight || 200;
    const w = this.card.offsetWidth || 380;
    // Beside the composer if there is room, else above it: below is where Post buttons live, and
    // the card must never cover the control the person reaches for next.
    let top: number;
    let left: number;
    if (vw - r.right >= w + 16) {
      left = r.right + 8;
      top = Math.min(Math.max(8, r.top), Math.max(8, vh - h - 8));
    } else if (r.left >= w + 16) {
      left = r.left - w - 8;
      top = Math.min(Math.max(8, r.top), Math.max(8, vh - h - 8));
    } else if (r.top - h - 8 >= 8) {
      left = Math.min(Math.max(8, r.left), Math.max(8, vw - w - 8));
      top = r.top - h - 8;
    } else {
      // No room around the composer: dock in the corner rather than over the Post button.
      left = Math.max(8, vw - w - 16);
      top = Math.max(8, vh - h - 16);
      const overlaps = left < r.right && left + w > r.left && top < r.bottom && top + h > r.top;
      if (overlaps) top = Math.min(r.bottom + 8, Math.max(8, vh - h - 8));
    }
    this.card.style.top = `${top}px`;
    this.card.style.left = `${left}px`;
  }

  private render(): void {
    const doc = this.root.host.ownerDocument;
    const { findings, org } = this.current;
    const worst = worstSeverity(findings) ?? 'info';
    this.card.className = `card ${worst}`;
    const head = el(doc, 'div', { class: 'card-head' });
    const title = el(doc, 'h2', {}, worst === 'block' ? t('cardTitleBlock') : worst === 'warn' ? t('cardTitleWarn') : t('cardTitleInfo'));
    const close = el(doc, 'button', { type: 'button', class: 'icon', 'aria-label': t('actionClose') }, '×');
    close.addEventListener('click', () => {
      this.userClosed = true;
      this.hide();
      this.handlers.onEscape();
    });
    head.append(el(doc, 'span', { class: 'brand' }, 'CareGuard'), title, close);
    const list = findings.map((f, i) => this.renderFinding(doc, f, i, org));
    this.card.replaceChildren(head, ...list, el(doc, 'p', { class: 'note sr-only' }, t('keyboardHint')));
  }

  private renderFinding(doc: Document, f: Finding, i: number, org: OrgProfile | undefined): HTMLElement {
    const key = `${f.rule}:${f.start}:${f.end}`;
    const box = el(doc, 'article', { class: 'finding', 'data-rule': f.rule, 'data-severity': f.severity, 'aria-labelledby': `cg-f-${i}` });
    const meta = el(doc, 'div', { class: 'meta' });
    meta.append(
      el(doc, 'span', { class: `tag ${f.severity}`, id: `cg-f-${i}` }, categoryLabel(f.category)),
      el(doc, 'span', { class: 'clause' }, [t('policyClause', f.clause), clauseTitle(f.clause)].filter(Boolean).join(' ')),
    );
    box.append(meta, el(doc, 'p', { class: 'message' }, f.message));
    if (f.category === 'safeguarding') box.append(el(doc, 'p', { class: 'note safeguarding' }, t('safeguardingHowTo', safeguardingContact(org))));
    if (this.openWhy.has(key)) box.append(el(doc, 'p', { class: 'why', id: `cg-why-${i}` }, clauseExplanation(f.clause, org)));
    const note = this.notes.get(key);
    if (note) box.append(el(doc, 'p', { class: 'note', role: 'status' }, note));
    const actions = el(doc, 'div', { class: 'actions' });
    const button = (label: string, action: string, onClick: () => void, extra: Record<string, string> = {}) => {
      const b = el(doc, 'button', { type: 'button', 'data-action': action, ...extra }, label);
      b.addEventListener('click', onClick);
      actions.append(b);
    };
    button(t('actionEdit'), 'edit', () => this.handlers.onAction(f, 'edit'), { class: 'primary' });
    button(t('actionDismiss'), 'dismiss', () => this.handlers.onAction(f, 'dismiss'));
    button(t('actionFine'), 'fine', () => this.handlers.onAction(f, 'fine'));
    button(t('actionReport'), 'report', () => {
      this.notes.set(key, `${t('reportedThanks')} ${reportContactLine(f.category, org)}`);
      this.handlers.onAction(f, 'report');
      this.render();
      this.root.announce(this.notes.get(key)!);
    });
    const open = this.openWhy.has(key);
    button(open ? t('actionHideWhy') : t('actionLearnWhy'), 'why', () => {
      if (open) this.openWhy.delete(key);
      else this.openWhy.add(key);
      this.render();
      this.card.querySelector<HTMLElement>(`[data-rule="${CSS.escape(f.rule)}"] [data-action="why"]`)?.focus();
    }, { 'aria-expanded': String(open) });
    box.append(actions);
    return box;
  }
}
