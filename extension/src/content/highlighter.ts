// Underlines in rich editors through the CSS Custom Highlight API: the browser paints Ranges
// without a single node being added to the editor, so React, Lexical and Draft.js never see a
// change they did not make. Browsers without the API fall back to the overlay, which draws boxes
// from the same Ranges' client rects.

import type { Severity } from '../shared/protocol';

export interface Mark {
  range: Range;
  severity: Severity;
}

const NAMES: Record<Severity, string> = { block: 'careguard-block', warn: 'careguard-warn', info: 'careguard-info' };

type HighlightCtor = new (...ranges: AbstractRange[]) => { add(r: AbstractRange): void };

export function highlightApiAvailable(): boolean {
  const css = (globalThis as { CSS?: { highlights?: unknown } }).CSS;
  return !!css?.highlights && typeof (globalThis as { Highlight?: unknown }).Highlight === 'function';
}

export class Highlighter {
  private readonly marks = new Map<string, Mark[]>();

  set(key: string, marks: Mark[]): void {
    if (marks.length === 0) this.marks.delete(key);
    else this.marks.set(key, marks);
    this.paint();
  }

  clear(key: string): void {
    if (this.marks.delete(key)) this.paint();
  }

  private paint(): void {
    const registry = (CSS as unknown as { highlights: Map<string, unknown> }).highlights;
    const Ctor = (globalThis as unknown as { Highlight: HighlightCtor }).Highlight;
    for (const severity of Object.keys(NAMES) as Severity[]) {
      const ranges = [...this.marks.values()].flat().filter((m) => m.severity === severity).map((m) => m.range);
      if (ranges.length === 0) registry.delete(NAMES[severity]);
      else registry.set(NAMES[severity], new Ctor(...ranges));
    }
  }
}
