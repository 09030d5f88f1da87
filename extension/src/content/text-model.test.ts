// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { rangeForOffsets, readText, snapshotEditable } from './text-model';

function editor(html: string): HTMLElement {
  const el = document.createElement('div');
  el.contentEditable = 'true';
  el.innerHTML = html;
  document.body.replaceChildren(el);
  return el;
}

function flagged(el: HTMLElement, needle: string): string {
  const snap = snapshotEditable(el);
  const start = snap.text.indexOf(needle);
  expect(start).toBeGreaterThanOrEqual(0);
  const range = rangeForOffsets(snap, start, start + needle.length, document);
  expect(range).not.toBeNull();
  return range!.toString();
}

describe('snapshotEditable', () => {
  it('reads Lexical paragraphs with spans and a line break', () => {
    const el = editor('<p dir="ltr"><span data-lexical-text="true">Visited Mrs </span><b><span data-lexical-text="true">Ashworth</span></b></p>' +
      '<p><br></p><p><span data-lexical-text="true">line</span><br><span data-lexical-text="true">two</span></p>');
    expect(snapshotEditable(el).text).toBe('Visited Mrs Ashworth\nline\ntwo');
  });

  it('reads Draft.js blocks', () => {
    const el = editor('<div data-contents="true"><div data-block="true"><div><span><span data-text="true">NHS no 943 476 </span></span><span><span data-text="true">5919</span></span></div></div>' +
      '<div data-block="true"><div><span><br data-text="true"></span></div></div></div>');
    expect(snapshotEditable(el).text).toBe('NHS no 943 476 5919');
  });

  it('reads a form control by value', () => {
    const ta = document.createElement('textarea');
    ta.value = 'key safe code is 4821';
    expect(readText(ta)).toBe('key safe code is 4821');
  });
});

describe('rangeForOffsets', () => {
  it('maps a span that crosses text nodes and formatting', () => {
    const el = editor('<p><span>NHS no 943 </span><strong>476</strong><span> 5919 today</span></p>');
    expect(flagged(el, '943 476 5919')).toBe('943 476 5919');
  });

  it('maps a span that crosses paragraphs without taking the synthetic newline from the DOM', () => {
    const el = editor('<p><span>her number</span></p><p><span>943 476 5919</span></p>');
    const snap = snapshotEditable(el);
    expect(snap.text).toBe('her number\n943 476 5919');
    const r = rangeForOffsets(snap, 4, snap.text.length, document)!;
    expect(r.startContainer.textContent).toBe('her number');
    expect(r.startOffset).toBe(4);
    expect(r.endOffset).toBe('943 476 5919'.length);
  });

  it('counts UTF-16 code units the way the host does (emoji and accents before the match)', () => {
    const text = 'Lovely day 😀 with Zoë, NHS 943 476 5919';
    const el = editor(`<p><span>Lovely day 😀 </span><span>with Zoë, </span><span>NHS 943 476 5919</span></p>`);
    const snap = snapshotEditable(el);
    expect(snap.text).toBe(text);
    const start = text.indexOf('943'); // a host computing UTF-16 offsets gives exactly this
    expect(start).toBe(28);
    expect(rangeForOffsets(snap, start, start + 12, document)!.toString()).toBe('943 476 5919');
  });

  it('starts a range on the next node when the offset is at a node boundary', () => {
    const el = editor('<p><span>abc</span><span>def</span></p>');
    const r = rangeForOffsets(snapshotEditable(el), 3, 6, document)!;
    expect(r.startContainer.textContent).toBe('def');
    expect(r.startOffset).toBe(0);
    expect(r.toString()).toBe('def');
  });

  it('refuses offsets outside the text or empty spans', () => {
    const snap = snapshotEditable(editor('<p>abc</p>'));
    expect(rangeForOffsets(snap, 2, 9, document)).toBeNull();
    expect(rangeForOffsets(snap, 2, 2, document)).toBeNull();
    expect(rangeForOffsets(snap, -1, 2, document)).toBeNull();
  });

  it('never touches the editor DOM', () => {
    const el = editor('<p><span>NHS no 943 476 5919</span></p>');
    const before = el.innerHTML;
    flagged(el, '943 476 5919');
    expect(el.innerHTML).toBe(before);
  });
});
