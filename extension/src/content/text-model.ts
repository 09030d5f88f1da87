// The text a composer holds, as the host sees it, and the way back from the host's UTF-16
// offsets to DOM Ranges. Rich editors split one line over many text nodes (Lexical spans, Draft.js
// leaves, Quill formats), so offsets are mapped through a list of text-node segments. Block
// boundaries and <br> become "\n" in the text but belong to no node; an offset landing on one is
// moved to the nearest real text position.

export interface TextSegment {
  node: Text;
  start: number;
  end: number;
}

export interface TextSnapshot {
  text: string;
  segments: TextSegment[];
}

const BLOCKS = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DIV', 'DL', 'DT', 'FIGCAPTION', 'FIGURE', 'FOOTER',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION',
  'TABLE', 'TR', 'UL',
]);
const SKIP = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT']);

export function isTextControl(el: Element): el is HTMLTextAreaElement | HTMLInputElement {
  return el.tagName === 'TEXTAREA' || el.tagName === 'INPUT';
}

/** The composer's text: a form control's value, or the editable element's text with line breaks. */
export function readText(el: Element): string {
  if (isTextControl(el)) return el.value;
  return snapshotEditable(el).text;
}

export function snapshotEditable(root: Node): TextSnapshot {
  let text = '';
  const segments: TextSegment[] = [];
  const newline = () => {
    if (text.length > 0 && !text.endsWith('\n')) text += '\n';
  };
  const visit = (node: Node): void => {
    if (node.nodeType === 3) {
      const data = (node as Text).data;
      if (data.length === 0) return;
      segments.push({ node: node as Text, start: text.length, end: text.length + data.length });
      text += data;
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node as Element;
    if (SKIP.has(el.tagName)) return;
    if (el.tagName === 'BR') {
      // A trailing <br> is an editor's placeholder that keeps an empty line open, not a line break.
      if (!isLastInBlock(el, root)) text += '\n';
      return;
    }
    const block = BLOCKS.has(el.tagName) && el !== root;
    if (block) newline();
    for (let c = el.firstChild; c; c = c.nextSibling) visit(c);
    if (block) newline();
  };
  visit(root);
  if (text.endsWith('\n') && segments.length > 0 && segments[segments.length - 1].end < text.length) {
    // The closing block's newline is not part of what the person typed.
    text = text.slice(0, -1);
  }
  return { text, segments };
}

function isLastInBlock(br: Element, root: Node): boolean {
  for (let n: Node | null = br; n && n !== root; n = n.parentNode) {
    if (n.nextSibling) return false;
    const parent = n.parentNode;
    if (parent && parent.nodeType === 1 && BLOCKS.has((parent as Element).tagName)) return true;
  }
  return false;
}

export interface DomPoint {
  node: Text;
  offset: number;
}

/**
 * Where a text offset lies in the DOM. `bias` says which way to go when the offset is on a
 * synthetic newline or exactly between two nodes: a range's start looks forward, its end back.
 */
export function pointAt(snap: TextSnapshot, offset: number, bias: 'forward' | 'backward'): DomPoint | null {
  const segs = snap.segments;
  if (segs.length === 0) return null;
  if (bias === 'forward') {
    for (const s of segs) {
      if (offset < s.end) return { node: s.node, offset: Math.max(0, offset - s.start) };
    }
    const last = segs[segs.length - 1];
    return offset >= last.end ? { node: last.node, offset: last.end - last.start } : null;
  }
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i];
    if (offset > s.start) return { node: s.node, offset: Math.min(s.end, offset) - s.start };
  }
  const first = segs[0];
  return { node: first.node, offset: 0 };
}

/** A DOM Range for [start, end) in the snapshot's text, or null when it covers no real text. */
export function rangeForOffsets(snap: TextSnapshot, start: number, end: number, doc: Document): Range | null {
  if (!(start >= 0 && end > start && end <= snap.text.length)) return null;
  const a = pointAt(snap, start, 'forward');
  const b = pointAt(snap, end, 'backward');
  if (!a || !b) return null;
  const range = doc.createRange();
  range.setStart(a.node, a.offset);
  range.setEnd(b.node, b.offset);
  if (range.collapsed) return null;
  return range;
}
