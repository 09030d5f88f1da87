// Some text reaches a rich composer without an input event the content script can see. Dictation,
// IME commits, autofill and password managers insert text as one beforeinput/textInput event, and
// editors such as Lexical and Draft.js cancel the browser's own insertion, then write the change
// into the DOM themselves, so no input event follows. Watching the composer's subtree catches those
// writes. The observer only reads: it never touches the editor's DOM.

import type { ComposerState } from './composer-state';

export interface ComposerWatch {
  disconnect(): void;
}

/**
 * Calls `schedule` when the composer's text has changed since its last check and nothing else has
 * already asked for one, so an input event and the mutations behind it still give one scan.
 * Form controls are skipped: their value is not in the DOM, and the browser raises input events for
 * everything it puts there.
 */
export function watchComposerText(
  c: ComposerState,
  read: (el: Element) => string,
  schedule: (c: ComposerState) => void,
  Observer: typeof MutationObserver = MutationObserver,
): ComposerWatch | null {
  if (c.el.tagName === 'TEXTAREA' || c.el.tagName === 'INPUT') return null;
  const observer = new Observer(() => {
    if (c.timer !== null) return; // a scan is already due and will read the text when it runs
    if (c.changedSinceScan(read(c.el))) schedule(c);
  });
  observer.observe(c.el, { childList: true, characterData: true, subtree: true });
  return observer;
}
