// Underlines for <textarea> and <input>, whose text has no DOM nodes to make Ranges from. A hidden
// mirror element copies the control's box and text styles; the flagged span's rects in the mirror
// are where the characters are in the control. The underline boxes sit in the shadow root above
// the page and never take pointer events, so the control behaves exactly as before.

import type { Severity } from '../shared/protocol';

const COPIED = [
  'boxSizing', 'width', 'height', 'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft',
  'borderTopWidth', 'borderRightWidth', 'borderBottomWidth', 'borderLeftWidth', 'borderTopStyle',
  'borderRightStyle', 'borderBottomStyle', 'borderLeftStyle', 'fontFamily', 'fontSize', 'fontWeight',
  'fontStyle', 'fontVariant', 'fontStretch', 'letterSpacing', 'wordSpacing', 'lineHeight', 'textTransform',
  'textIndent', 'textAlign', 'direction', 'tabSize', 'overflowWrap', 'wordBreak',
] as const;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface SpanMark {
  start: number;
  end: number;
  severity: Severity;
}

/** Viewport boxes of [start, end) in a text control, clipped to the control's visible area. */
export function textControlRects(control: HTMLTextAreaElement | HTMLInputElement, start: number, end: number, mirrorHost: HTMLElement): Box[] {
  const doc = control.ownerDocument;
  const cs = getComputedStyle(control);
  const mirror = doc.createElement('div');
  mirror.className = 'mirror';
  const ms = mirror.style as unknown as Record<string, string>;
  for (const p of COPIED) ms[p] = (cs as unknown as Record<string, string>)[p];
  ms.borderColor = 'transparent';
  ms.boxSizing = 'border-box';
  ms.height = 'auto';
  ms.whiteSpace = control.tagName === 'INPUT' ? 'pre' : 'pre-wrap';
  ms.overflowWrap = control.tagName === 'INPUT' ? 'normal' : 'break-word';
  const cr = control.getBoundingClientRect();
  ms.left = `${cr.left}px`;
  ms.top = `${cr.top}px`;
  const value = control.value;
  const before = doc.createTextNode(value.slice(0, start));
  const mark = doc.createElement('span');
  mark.textContent = value.slice(start, end);
  const after = doc.createTextNode(value.slice(end) + '\u200b');
  mirror.append(before, mark, after);
  mirrorHost.append(mirror);
  // A textarea's scrollbar narrows its text area; match the mirror's content width to it.
  const scrollbar = control.offsetWidth - control.clientWidth - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth);
  ms.width = `${cr.width - Math.max(0, scrollbar)}px`;
  const rects = [...mark.getClientRects()];
  mirror.remove();
  const clip = {
    left: cr.left + parseFloat(cs.borderLeftWidth),
    top: cr.top + parseFloat(cs.borderTopWidth),
    right: cr.left + parseFloat(cs.borderLeftWidth) + control.clientWidth,
    bottom: cr.top + parseFloat(cs.borderTopWidth) + control.clientHeight,
  };
  const out: Box[] = [];
  for (const r of rects) {
    const left = Math.max(clip.left, r.left - control.scrollLeft);
    const top = Math.max(clip.top, r.top - control.scrollTop);
    const right = Math.min(clip.right, r.right - control.scrollLeft);
    const bottom = Math.min(clip.bottom, r.bottom - control.scrollTop);
    if (right - left >= 1 && bottom - top >= 1) out.push({ left, top, width: right - left, height: bottom - top });
  }
  return out;
}

/** Viewport boxes of Ranges, for editors painted without the Highlight API. */
export function rangeRects(range: Range): Box[] {
  return [...range.getClientRects()].filter((r) => r.width >= 1).map((r) => ({ left: r.left, top: r.top, width: r.width, height: r.height }));
}

export class UnderlineLayer {
  private readonly layer: HTMLElement;
  private readonly painters = new Map<string, () => Array<Box & { severity: Severity }>>();
  private frame = 0;

  constructor(private readonly container: HTMLElement) {
    this.layer = container.ownerDocument.createElement('div');
    this.layer.className = 'underlines';
    this.layer.setAttribute('aria-hidden', 'true');
    container.append(this.layer);
    const win = container.ownerDocument.defaultView!;
    const later = () => this.schedule();
    win.addEventListener('scroll', later, { capture: true, passive: true });
    win.addEventListener('resize', later, { passive: true });
  }

  /** A painter recomputes boxes each frame it is asked, so scrolling and reflow keep them in place. */
  set(key: string, painter: (() => Array<Box & { severity: Severity }>) | null): void {
    if (painter) this.painters.set(key, painter);
    else this.painters.delete(key);
    this.schedule();
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const doc = this.container.ownerDocument;
    const boxes = [...this.painters.values()].flatMap((p) => p());
    this.layer.replaceChildren(
      ...boxes.map((b) => {
        const d = doc.createElement('div');
        d.className = `underline ${b.severity}`;
        d.setAttribute('data-careguard-underline', b.severity);
        d.style.left = `${b.left}px`;
        d.style.top = `${b.top}px`;
        d.style.width = `${b.width}px`;
        d.style.height = `${b.height}px`;
        return d;
      }),
    );
  }
}
