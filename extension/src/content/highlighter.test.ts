// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Highlighter, highlightApiAvailable } from './highlighter';
import { rangeForOffsets, snapshotEditable } from './text-model';

class FakeHighlight {
  readonly ranges: Range[];
  constructor(...ranges: Range[]) {
    this.ranges = ranges;
  }
  add(r: Range) {
    this.ranges.push(r);
  }
}

describe('Highlighter', () => {
  const registry = new Map<string, FakeHighlight>();
  beforeEach(() => {
    registry.clear();
    (globalThis as Record<string, unknown>).CSS = { highlights: registry };
    (globalThis as Record<string, unknown>).Highlight = FakeHighlight;
  });
  afterEach(() => {
    delete (globalThis as Record<string, unknown>).Highlight;
  });

  it('registers one highlight per severity holding every composer’s ranges, and clears them', () => {
    expect(highlightApiAvailable()).toBe(true);
    const el = document.createElement('div');
    el.innerHTML = '<p><span>NHS no 943 476 </span><span>5919, code 4821</span></p>';
    const snap = snapshotEditable(el);
    const nhs = rangeForOffsets(snap, 7, 19, document)!;
    const code = rangeForOffsets(snap, 26, 30, document)!;
    const h = new Highlighter();
    h.set('c1', [{ range: nhs, severity: 'block' }]);
    h.set('c2', [{ range: code, severity: 'warn' }]);
    expect(registry.get('careguard-block')!.ranges.map(String)).toEqual(['943 476 5919']);
    expect(registry.get('careguard-warn')!.ranges.map(String)).toEqual(['4821']);
    expect(registry.has('careguard-info')).toBe(false);
    h.clear('c1');
    expect(registry.has('careguard-block')).toBe(false);
    h.set('c2', []);
    expect(registry.size).toBe(0);
  });
});
