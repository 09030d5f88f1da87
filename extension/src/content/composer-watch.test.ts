// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { ComposerState } from './composer-state';
import { watchComposerText } from './composer-watch';
import { readText } from './text-model';

const spec = { selector: '[contenteditable]', field: 'post' };
/** MutationObserver callbacks run as microtasks: one macrotask later they have all run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function composer(html = '<p><br></p>'): { el: HTMLElement; c: ComposerState; scheduled: ComposerState[] } {
  const el = document.createElement('div');
  el.contentEditable = 'true';
  el.innerHTML = html;
  document.body.append(el);
  const c = new ComposerState(el, spec);
  const scheduled: ComposerState[] = [];
  watchComposerText(c, readText, (s) => scheduled.push(s));
  return { el, c, scheduled };
}

describe('watchComposerText', () => {
  it('asks for a check when an editor writes text into its DOM with no input event', async () => {
    const { el, c, scheduled } = composer();
    // What Lexical does after cancelling a dictated or IME-committed insertion: its own DOM write.
    const p = el.querySelector('p')!;
    p.replaceChildren(Object.assign(document.createElement('span'), { textContent: 'Key safe code is 4821' }));
    await settle();
    expect(scheduled).toEqual([c]);
    el.remove();
  });

  it('sees edits inside an existing text node', async () => {
    const { el, c, scheduled } = composer('<p><span>Morning all</span></p>');
    c.requestedText = 'Morning all';
    (el.querySelector('span')!.firstChild as Text).data = 'Morning all, Mrs Pemberton';
    await settle();
    expect(scheduled).toHaveLength(1);
    el.remove();
  });

  it('stays quiet when a check is already due, since that check reads the text when it runs', async () => {
    const { el, c, scheduled } = composer();
    c.timer = setTimeout(() => undefined, 1000);
    el.querySelector('p')!.textContent = 'Dictated words';
    await settle();
    expect(scheduled).toEqual([]);
    clearTimeout(c.timer);
    el.remove();
  });

  it('stays quiet when the DOM changes but the text is what was last checked', async () => {
    const { el, c, scheduled } = composer('<p><span>Lovely walk</span></p>');
    c.requestedText = 'Lovely walk';
    // An editor re-rendering the same text, as reconcilers do, is not a change to the draft.
    el.querySelector('p')!.replaceChildren(Object.assign(document.createElement('span'), { textContent: 'Lovely walk' }));
    await settle();
    expect(scheduled).toEqual([]);
    el.remove();
  });

  it('asks for a check when the text is cleared, so old findings go', async () => {
    const { el, c, scheduled } = composer('<p><span>NHS 943 476 5919</span></p>');
    c.requestedText = 'NHS 943 476 5919';
    el.querySelector('p')!.replaceChildren(document.createElement('br'));
    await settle();
    expect(scheduled).toEqual([c]);
    el.remove();
  });

  it('a composer emptied before its first check needs none', async () => {
    const { el, scheduled } = composer('<p><span>draft</span></p>');
    el.querySelector('p')!.replaceChildren(document.createElement('br'));
    await settle();
    expect(scheduled).toEqual([]);
    el.remove();
  });

  it('does not watch form controls, whose value is not in the DOM', () => {
    const ta = document.createElement('textarea');
    const c = new ComposerState(ta, { selector: 'textarea', field: 'post' });
    expect(watchComposerText(c, readText, () => undefined)).toBeNull();
  });

  it('stops after disconnect', async () => {
    const el = document.createElement('div');
    document.body.append(el);
    const c = new ComposerState(el, spec);
    const scheduled: ComposerState[] = [];
    watchComposerText(c, readText, (s) => scheduled.push(s))!.disconnect();
    el.textContent = 'Later text';
    await settle();
    expect(scheduled).toEqual([]);
    el.remove();
  });
});
