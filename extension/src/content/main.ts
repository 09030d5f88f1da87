// Content script entry. Listeners go on window in the capture phase at document_start, before the
// page registers its own, so a Post click or Enter-to-send can be held before the site sees it.
// Nothing here writes to the editor: underlines are painted by the browser (Highlight API) or drawn
// in our shadow root, and the draft is only ever read.

import type { HostState } from '../background/host-connection';
import type { ScanResponse, StateResponse, ToBackground, ToContent } from '../shared/messages';
import type { AuditAction, Finding, OrgProfile } from '../shared/protocol';
import { guardDecision, type GuardDecision } from '../shared/findings';
import { t } from '../shared/i18n';
import { categoryLabel } from '../shared/policy-text';
import type { EffectiveSettings } from '../shared/settings';
import {
  adapterForHost,
  BUILTIN_ADAPTERS,
  mergeAdapters,
  validateAdapterList,
  type ComposerSpec,
  type SiteAdapter,
} from '../site-adapters/adapter-registry';
import { createRoot, type CareGuardRoot } from './careguard-root';
import { ComposerState } from './composer-state';
import { watchComposerText } from './composer-watch';
import { askAttachmentConsent, askBeforePosting, dialogOpen } from './dialogs';
import { fileHasGps } from './exif-gps';
import { FindingsCard, type FindingAction } from './findings-card';
import { Highlighter, highlightApiAvailable, type Mark } from './highlighter';
import { rangeForOffsets, readText, isTextControl, snapshotEditable } from './text-model';
import { rangeRects, textControlRects, UnderlineLayer } from './textarea-overlay';

const DEBOUNCE_MS = 150;
/** Longer than the worker's own scan timeout, so the worker normally answers first. */
const MESSAGE_TIMEOUT_MS = 4000;

const isSelector = (s: string): boolean => {
  try {
    document.createDocumentFragment().querySelector(s);
    return true;
  } catch {
    return false;
  }
};

function send<T>(msg: ToBackground, timeoutMs = MESSAGE_TIMEOUT_MS): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    try {
      chrome.runtime.sendMessage(msg).then(
        (r: T) => {
          clearTimeout(timer);
          resolve(r ?? null);
        },
        () => {
          clearTimeout(timer);
          resolve(null);
        },
      );
    } catch {
      // The extension was reloaded or removed: this copy of the script is orphaned.
      clearTimeout(timer);
      resolve(null);
    }
  });
}

function stop(e: Event): void {
  e.preventDefault();
  e.stopImmediatePropagation();
}

class ContentController {
  private adapter: SiteAdapter | null;
  private root: CareGuardRoot | null = null;
  private card: FindingsCard | null = null;
  private highlighter = highlightApiAvailable() ? new Highlighter() : null;
  private overlay: UnderlineLayer | null = null;
  private readonly composers = new WeakMap<Element, ComposerState>();
  private last: ComposerState | null = null;
  private host: HostState | null = null;
  private org: OrgProfile | undefined;
  private settings: EffectiveSettings | null = null;
  private readonly site = location.hostname.replace(/^www\./, '');
  /** The host accepts a bare lower-case host name as the audit site. */
  private readonly auditSite = this.site.toLowerCase().replace(/[^a-z0-9.-]/g, '');
  /** One guarded event may pass: the one we re-issue after the person said yes. */
  private bypass = false;
  private readonly bypassFiles = new WeakSet<object>();
  private savedSelection: { el: Element; range?: Range; start?: number; end?: number } | null = null;

  constructor() {
    this.adapter = adapterForHost(location.hostname, BUILTIN_ADAPTERS, []);
  }

  listen(): void {
    const opts = { capture: true };
    window.addEventListener('focusin', (e) => this.onFocus(e), opts);
    window.addEventListener('input', (e) => this.onInput(e), opts);
    window.addEventListener('keydown', (e) => this.onKeydown(e), opts);
    window.addEventListener('click', (e) => this.onClick(e), opts);
    window.addEventListener('submit', (e) => this.onSubmit(e), opts);
    window.addEventListener('change', (e) => this.onFileChange(e), opts);
    window.addEventListener('drop', (e) => this.onDropOrPaste(e, (e as DragEvent).dataTransfer), opts);
    window.addEventListener('paste', (e) => this.onDropOrPaste(e, (e as ClipboardEvent).clipboardData), opts);
    chrome.runtime.onMessage.addListener((m: ToContent) => {
      if (m.kind === 'hostState') this.setHost(m.host);
      if (m.kind === 'settings') void this.loadAdapters(m.settings);
    });
  }

  async init(): Promise<void> {
    const state = await send<StateResponse>({ kind: 'getState' });
    if (!state) return;
    this.host = state.host;
    if (state.host.hello?.org) this.org = state.host.hello.org;
    await this.loadAdapters(state.settings);
    this.setHost(state.host);
  }

  private async loadAdapters(settings: EffectiveSettings): Promise<void> {
    this.settings = settings;
    // Sources, weakest first: built in, a pack the worker installed, packs the host loaded
    // (hello.site_adapters), the admin's managed setting.
    const fromHost = this.host?.hello?.site_adapters ?? [];
    let fromPack: unknown = [];
    let fromAdmin: unknown = [];
    try {
      fromPack = (await chrome.storage.local.get('pack_site_adapters')).pack_site_adapters;
      fromAdmin = (await chrome.storage.managed.get('site_adapters')).site_adapters;
    } catch {
      // managed storage is absent in some browsers and in tests
    }
    const adapters = mergeAdapters(
      BUILTIN_ADAPTERS,
      validateAdapterList(fromPack, isSelector),
      validateAdapterList(fromHost, isSelector),
      validateAdapterList(fromAdmin, isSelector),
    );
    this.adapter = adapterForHost(location.hostname, adapters, settings.coveredSites);
    if (this.adapter) this.ensureRoot();
    else this.teardown();
  }

  private ensureRoot(): CareGuardRoot | null {
    if (this.root) return this.root;
    if (!document.documentElement) return null;
    this.root = createRoot(document);
    this.card = new FindingsCard(this.root, {
      onAction: (f, a) => this.onFindingAction(f, a),
      onEscape: () => this.returnToComposer(),
      onRetry: () => void send<StateResponse>({ kind: 'reconnect' }).then((s) => s && this.setHost(s.host)),
    });
    this.overlay = new UnderlineLayer(this.root.ui);
    if (this.host) this.setHost(this.host);
    return this.root;
  }

  private teardown(): void {
    this.root?.host.remove();
    this.root = null;
    this.card = null;
  }

  /** Off, or still starting after the scan that found it so: either way nothing is being checked. */
  private hostOff(): boolean {
    return this.host?.status === 'off';
  }

  private setHost(state: HostState): void {
    const wasOff = this.hostOff();
    const hadAdapters = JSON.stringify(this.host?.hello?.site_adapters ?? []);
    this.host = state;
    if (state.hello?.org) this.org = state.hello.org;
    if (this.settings && state.hello && JSON.stringify(state.hello.site_adapters ?? []) !== hadAdapters) void this.loadAdapters(this.settings);
    if (!this.adapter || !this.ensureRoot()) return;
    if (state.status === 'off') this.card?.showOff(state);
    else this.card?.hideOff();
    if (wasOff && state.status === 'connected' && this.last) this.schedule(this.last, 0);
    this.renderRoot();
  }

  // ---- composers ----------------------------------------------------------------------------

  private targetElement(e: Event): Element | null {
    const t0 = e.composedPath()[0] as Node | undefined;
    if (!t0) return null;
    const el = t0.nodeType === 1 ? (t0 as Element) : t0.parentElement;
    if (!el || (this.root && (el === this.root.host || this.root.shadow.contains(el)))) return null;
    return el;
  }

  private composerFor(e: Event): ComposerState | null {
    if (!this.adapter) return null;
    const el = this.targetElement(e);
    if (!el) return null;
    let found: { el: Element; spec: ComposerSpec } | null = null;
    for (const spec of this.adapter.composers) {
      const c = el.closest(spec.selector);
      if (c) {
        found = { el: c, spec };
        break;
      }
    }
    if (!found) return null;
    if (isTextControl(found.el) && !/^(text|search|)$/i.test((found.el as HTMLInputElement).type ?? '') && found.el.tagName === 'INPUT') return null;
    let state = this.composers.get(found.el);
    if (!state) {
      state = new ComposerState(found.el, found.spec);
      this.composers.set(found.el, state);
      watchComposerText(state, readText, (c) => this.schedule(c, DEBOUNCE_MS));
    }
    return state;
  }

  private onFocus(e: Event): void {
    const c = this.composerFor(e);
    if (!c) return;
    this.ensureRoot();
    this.last = c;
    if (c.scannedText === null && readText(c.el).trim() !== '') this.schedule(c, 0);
    this.render(c);
  }

  private onInput(e: Event): void {
    const c = this.composerFor(e);
    if (!c) return;
    this.last = c;
    this.schedule(c, DEBOUNCE_MS);
  }

  private schedule(c: ComposerState, delay: number): void {
    if (c.timer !== null) clearTimeout(c.timer);
    if (!this.hostOff() && c.status !== 'checking' && readText(c.el).trim() !== '') {
      c.status = 'checking';
      if (c === this.last) this.renderRoot();
    }
    c.timer = setTimeout(() => {
      c.timer = null;
      void this.scan(c);
    }, delay);
  }

  /** Scans now (used at Post time) and resolves once the result is applied. */
  private async scanNow(c: ComposerState): Promise<void> {
    if (c.timer !== null) {
      clearTimeout(c.timer);
      c.timer = null;
    }
    await this.scan(c);
  }

  private scan(c: ComposerState): Promise<void> {
    const run = async () => {
      const text = readText(c.el);
      c.requestedText = text;
      const seq = ++c.seq;
      if (text.trim() === '') {
        c.apply(text, []);
        this.render(c);
        return;
      }
      const res = await send<ScanResponse>({ kind: 'scan', key: c.key, text, site: this.site, field: c.spec.field });
      if (seq !== c.seq) return; // a newer scan of this composer has started
      if (!res) {
        this.setHost({ status: 'off', problem: 'unresponsive', since: Date.now() });
        c.status = 'off';
      } else if (res.ok) {
        if (this.hostOff()) this.setHost({ ...(this.host as HostState), status: 'connected' });
        c.apply(text, res.findings);
      } else if (res.why === 'off') {
        this.setHost(res.host);
        c.status = 'off';
      } else if (res.why === 'starting') {
        this.setHost({ ...res.host, status: 'off', problem: 'starting' });
        c.status = 'off';
      } else if (res.why === 'error') {
        console.warn('CareGuard: scan failed', res.message);
        c.status = c.scannedText === null ? 'idle' : c.status;
      } else {
        return; // superseded: the newer scan's answer will render
      }
      this.render(c);
    };
    const p = run().finally(() => {
      if (c.inFlight === p) c.inFlight = null;
    });
    c.inFlight = p;
    return p;
  }

  // ---- rendering ----------------------------------------------------------------------------

  private render(c: ComposerState): void {
    if (!this.ensureRoot()) return;
    this.paintUnderlines(c);
    if (c === this.last) {
      this.renderRoot();
      const visible = c.status === 'off' ? [] : c.visible();
      this.card?.show(c.el, visible, this.org);
      this.announce(c, visible);
    }
  }

  private renderRoot(): void {
    if (!this.root) return;
    const c = this.last;
    if (this.hostOff()) this.root.setState('off', c ? c.visible().length : 0);
    else if (!c) this.root.setState('idle', 0);
    else this.root.setState(c.status === 'off' ? 'off' : c.status, c.status === 'checking' && c.scannedText === null ? 0 : c.visible().length);
  }

  private announce(c: ComposerState, visible: Finding[]): void {
    const key = visible.map((f) => `${f.rule}@${f.start}`).join('|');
    if (key === c.announced) return;
    const hadBefore = c.announced !== '';
    c.announced = key;
    if (visible.length === 0) {
      if (hadBefore) this.root?.announce(t('announceClear'));
      return;
    }
    for (const f of visible) {
      const k = `${f.rule}@${f.start}`;
      if (!c.shown.has(k)) {
        c.shown.add(k);
        this.audit(f, 'shown');
      }
    }
    const summary = [...new Set(visible.map((f) => categoryLabel(f.category)))].join(', ');
    this.root?.announce(t('announceFindings', visible.length, summary));
  }

  private paintUnderlines(c: ComposerState): void {
    const visible = c.status === 'off' ? [] : c.visible();
    const text = c.scannedText;
    if (isTextControl(c.el)) {
      const control = c.el;
      this.overlay?.set(c.key, visible.length === 0 ? null : () => {
        // Stale offsets would underline the wrong characters: draw nothing until the next result.
        if (!control.isConnected || control.value !== text) return [];
        return visible.flatMap((f) => textControlRects(control, f.start, f.end, this.root!.ui).map((b) => ({ ...b, severity: f.severity })));
      });
      return;
    }
    const snap = snapshotEditable(c.el);
    const marks: Mark[] = [];
    if (snap.text === text) {
      for (const f of visible) {
        const range = rangeForOffsets(snap, f.start, f.end, document);
        if (range) marks.push({ range, severity: f.severity });
      }
    }
    if (this.highlighter) this.highlighter.set(c.key, marks);
    else this.overlay?.set(c.key, marks.length === 0 ? null : () => marks.flatMap((m) => rangeRects(m.range).map((b) => ({ ...b, severity: m.severity }))));
  }

  // ---- actions on findings ------------------------------------------------------------------

  private audit(f: { rule: string; category: string; severity: string }, action: AuditAction, reason?: string): void {
    void send({ kind: 'audit', event: { rule: f.rule, category: f.category, severity: f.severity, site: this.auditSite, action, ...(reason ? { reason } : {}) } });
  }

  private onFindingAction(f: Finding, action: FindingAction): void {
    const c = this.last;
    if (!c) return;
    if (action === 'edit') {
      this.audit(f, 'edited');
      this.selectSpan(c, f);
      return;
    }
    if (action === 'report') {
      this.audit(f, 'concern_reported');
      return;
    }
    c.dismiss(f);
    c.refreshStatus();
    this.audit(f, action === 'dismiss' ? 'dismissed' : 'reported_fine');
    this.render(c);
    if (action === 'fine') this.root?.announce(t('markedFineThanks'));
    if (c.visible().length === 0) this.returnToComposer();
    else this.card?.focusFirst();
  }

  /** Puts the caret on the flagged words so the person can change them; selection only, no edit. */
  private selectSpan(c: ComposerState, f: Finding): void {
    const el = c.el as HTMLElement;
    el.focus({ preventScroll: false });
    if (isTextControl(el)) {
      if (el.value === c.scannedText) el.setSelectionRange(f.start, f.end);
      return;
    }
    const snap = snapshotEditable(el);
    if (snap.text !== c.scannedText) return;
    const range = rangeForOffsets(snap, f.start, f.end, document);
    if (!range) return;
    const sel = getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
  }

  private saveSelection(c: ComposerState): void {
    if (isTextControl(c.el)) {
      this.savedSelection = { el: c.el, start: c.el.selectionStart ?? undefined, end: c.el.selectionEnd ?? undefined };
      return;
    }
    const sel = getSelection();
    const range = sel && sel.rangeCount > 0 ? sel.getRangeAt(0).cloneRange() : undefined;
    this.savedSelection = { el: c.el, range: range && c.el.contains(range.startContainer) ? range : undefined };
  }

  private returnToComposer(): void {
    const c = this.last;
    if (!c) return;
    const el = c.el as HTMLElement;
    el.focus({ preventScroll: true });
    const saved = this.savedSelection;
    if (saved?.el === el) {
      if (isTextControl(el) && saved.start !== undefined) el.setSelectionRange(saved.start, saved.end ?? saved.start);
      else if (saved.range) {
        const sel = getSelection();
        sel?.removeAllRanges();
        sel?.addRange(saved.range);
      }
    }
    this.savedSelection = null;
  }

  // ---- guard before publishing --------------------------------------------------------------

  private isSubmitControl(el: Element): Element | null {
    const a = this.adapter;
    if (!a) return null;
    for (const s of a.submit) {
      const hit = el.closest(s);
      if (hit) return hit;
    }
    const labels = a.submit_labels ?? [];
    if (labels.length === 0) return null;
    const button = el.closest('button, [role="button"], input[type="submit"]');
    if (!button) return null;
    const name = (button.getAttribute('aria-label') ?? (button as HTMLInputElement).value ?? button.textContent ?? '').trim().toLowerCase();
    const name2 = (button.textContent ?? '').trim().toLowerCase();
    return labels.some((l) => l.toLowerCase() === name || l.toLowerCase() === name2) ? button : null;
  }

  private guardComposer(): ComposerState | null {
    const c = this.last;
    return c && c.el.isConnected ? c : null;
  }

  private onClick(e: Event): void {
    if (this.bypass) {
      this.bypass = false;
      return;
    }
    const el = this.targetElement(e);
    const button = el && this.isSubmitControl(el);
    if (!button) return;
    this.guard(e, () => (button as HTMLElement).click());
  }

  private onSubmit(e: Event): void {
    if (this.bypass) {
      this.bypass = false;
      return;
    }
    const form = e.target as HTMLFormElement;
    const c = this.guardComposer();
    if (!c || !form.contains(c.el)) return;
    const submitter = (e as SubmitEvent).submitter;
    this.guard(e, () => form.requestSubmit(submitter && form.contains(submitter) ? submitter : undefined));
  }

  private onKeydown(e: KeyboardEvent): void {
    if (dialogOpen()) return;
    if (e.altKey && e.shiftKey && (e.key === 'G' || e.key === 'g' || e.code === 'KeyG')) {
      const c = this.composerFor(e);
      if (c && this.card) {
        stop(e);
        this.last = c;
        this.saveSelection(c);
        this.render(c);
        this.card.focusFirst();
      }
      return;
    }
    if (e.key !== 'Enter' && e.key !== ' ') return;
    if (this.bypass) {
      this.bypass = false;
      return;
    }
    if (e.isComposing) return; // an IME is still composing: Enter picks a candidate
    const el = this.targetElement(e);
    if (!el) return;
    const c = this.composerFor(e);
    if (c && e.key === 'Enter') {
      const keys = c.spec.send_keys ?? [];
      const mod = e.ctrlKey || e.metaKey;
      const sends = (keys.includes('Enter') && !mod && !e.shiftKey && !e.altKey) || (keys.includes('Mod+Enter') && mod && !e.shiftKey && !e.altKey);
      if (!sends) return;
      this.last = c;
      const init: KeyboardEventInit & { keyCode: number; which: number } = {
        key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true, composed: true,
        ctrlKey: e.ctrlKey, metaKey: e.metaKey,
      };
      const target = e.target as Element;
      this.guard(e, () => target.dispatchEvent(new KeyboardEvent('keydown', init)));
      return;
    }
    // Keyboard activation of a role=button Post control: sites act on keydown, not click.
    const button = this.isSubmitControl(el);
    if (button && button.tagName !== 'BUTTON' && button.tagName !== 'INPUT') {
      const init = { key: e.key, code: e.code, bubbles: true, cancelable: true, composed: true };
      this.guard(e, () => button.dispatchEvent(new KeyboardEvent('keydown', init)));
    }
  }

  /**
   * Holds a publishing event when the composer's findings say so. The decision must be made now,
   * inside the event, so a result that is out of date (typing since the last scan) holds the post
   * while a fresh scan runs, then lets it through if all is well.
   */
  private guard(e: Event, resume: () => void): void {
    const c = this.guardComposer();
    if (!c || this.hostOff()) return; // no composer in use, or protection is off: the pill says so
    const text = readText(c.el);
    if (text.trim() === '') return;
    const current = !c.dirty && c.scannedText === text;
    if (current) {
      const decision = guardDecision(c.visible(), c.dismissedFindings());
      if (decision === 'allow') return;
      stop(e);
      void this.decide(c, decision, resume);
      return;
    }
    stop(e);
    void this.scanNow(c).then(() => {
      if (this.hostOff() || c.scannedText !== readText(c.el)) return this.resume(resume);
      const decision = guardDecision(c.visible(), c.dismissedFindings());
      if (decision === 'allow') return this.resume(resume);
      return this.decide(c, decision, resume);
    });
  }

  private resume(resume: () => void): void {
    this.bypass = true;
    try {
      resume();
    } finally {
      this.bypass = false;
    }
  }

  private async decide(c: ComposerState, decision: Exclude<GuardDecision, 'allow'>, resume: () => void): Promise<void> {
    const root = this.ensureRoot();
    if (!root || dialogOpen()) return;
    const held = decision === 'block' ? c.visible().filter((f) => f.severity === 'block') : [...c.visible().filter((f) => f.severity !== 'info'), ...c.dismissedFindings().filter((f) => f.severity === 'block')];
    const answer = await askBeforePosting(root, { decision, findings: held, org: this.org, requireReason: this.settings?.requireReasonToPost ?? false });
    if (!answer.post) {
      if (decision === 'block') for (const f of held) this.audit(f, 'blocked');
      (c.el as HTMLElement).focus({ preventScroll: true });
      return;
    }
    for (const f of held) this.audit(f, 'posted_anyway', answer.reason);
    this.resume(resume);
  }

  // ---- attachments (clause 6.2) -------------------------------------------------------------

  private isAttachmentInput(el: Element): el is HTMLInputElement {
    return el.tagName === 'INPUT' && (el as HTMLInputElement).type === 'file' && !!this.adapter?.attachments.some((s) => el.matches(s));
  }

  private onFileChange(e: Event): void {
    const el = e.target as Element;
    if (!(el instanceof Element) || !this.isAttachmentInput(el)) return;
    if (this.bypassFiles.has(el)) {
      this.bypassFiles.delete(el);
      return;
    }
    const files = [...(el.files ?? [])];
    if (files.length === 0) return;
    stop(e);
    void this.askConsent(files).then((ok) => {
      if (!ok) {
        el.value = '';
        return;
      }
      this.bypassFiles.add(el);
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
  }

  private onDropOrPaste(e: Event, data: DataTransfer | null): void {
    if (!this.adapter || !data || this.bypassFiles.has(e)) return;
    const files = [...data.files];
    if (files.length === 0 || !files.some((f) => /^(image|video)\//.test(f.type))) return;
    const target = e.target as EventTarget;
    const drag = e as DragEvent;
    stop(e);
    void this.askConsent(files).then((ok) => {
      if (!ok) return;
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(f);
      const again =
        e.type === 'drop'
          ? new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true, composed: true, clientX: drag.clientX, clientY: drag.clientY })
          : new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true, composed: true });
      this.bypassFiles.add(again);
      target.dispatchEvent(again);
    });
  }

  private async askConsent(files: File[]): Promise<boolean> {
    const root = this.ensureRoot();
    if (!root) return true;
    const jpegs = files.filter((f) => /jpe?g$/i.test(f.type) || /\.jpe?g$/i.test(f.name));
    const gps = (await Promise.all(jpegs.map((f) => fileHasGps(f).catch(() => false)))).some(Boolean);
    const event = { rule: gps ? 'attachment.gps' : 'attachment.consent', category: 'service-user', severity: gps ? 'warn' : 'info' };
    const ok = await askAttachmentConsent(root, { gps });
    this.audit(event, ok ? 'attachment_confirmed' : 'attachment_cancelled');
    return ok;
  }
}

const flag = '__careguardContentLoaded';
if (!(globalThis as Record<string, unknown>)[flag]) {
  (globalThis as Record<string, unknown>)[flag] = true;
  const controller = new ContentController();
  controller.listen();
  void controller.init();
}
