import { describe, expect, it } from 'vitest';
import { JSDOM } from 'jsdom';
import {
  adapterForHost,
  BUILTIN_ADAPTERS,
  builtinMatchPatterns,
  GENERIC_ADAPTER,
  mergeAdapters,
  validateAdapter,
  validateAdapterList,
} from './adapter-registry';

const dom = new JSDOM('<!doctype html><body></body>');
const isSelector = (s: string) => {
  try {
    dom.window.document.querySelector(s);
    return true;
  } catch {
    return false;
  }
};

describe('built-in site adapters', () => {
  it('covers the six networks the policy names', () => {
    const hosts = BUILTIN_ADAPTERS.flatMap((a) => a.hosts);
    for (const h of ['facebook.com', 'instagram.com', 'x.com', 'twitter.com', 'linkedin.com', 'tiktok.com']) expect(hosts).toContain(h);
  });

  it('has only valid CSS selectors', () => {
    for (const a of BUILTIN_ADAPTERS) expect(validateAdapter(a, isSelector), a.id).not.toBeNull();
    expect(validateAdapter(GENERIC_ADAPTER, isSelector)).not.toBeNull();
  });

  it('picks the adapter by hostname, subdomains included', () => {
    expect(adapterForHost('www.facebook.com', BUILTIN_ADAPTERS, [])?.id).toBe('facebook');
    expect(adapterForHost('mobile.twitter.com', BUILTIN_ADAPTERS, [])?.id).toBe('x');
    expect(adapterForHost('x.com', BUILTIN_ADAPTERS, [])?.id).toBe('x');
    expect(adapterForHost('notfacebook.com', BUILTIN_ADAPTERS, [])).toBeNull();
  });

  it('falls back to the generic adapter only on admin-listed sites', () => {
    expect(adapterForHost('forum.example.org', BUILTIN_ADAPTERS, [])).toBeNull();
    expect(adapterForHost('forum.example.org', BUILTIN_ADAPTERS, ['example.org'])?.id).toBe('generic');
  });

  it('produces manifest match patterns for every built-in host', () => {
    expect(builtinMatchPatterns()).toContain('*://*.linkedin.com/*');
    expect(builtinMatchPatterns()).toContain('*://tiktok.com/*');
  });

  it('finds a Facebook-style Lexical composer and its Post button', () => {
    const d = new JSDOM(`<div role="dialog"><div contenteditable="true" role="textbox"><p><span>hi</span></p></div>
      <div role="button" aria-label="Post"><span>Post</span></div></div>`).window.document;
    const fb = BUILTIN_ADAPTERS.find((a) => a.id === 'facebook')!;
    const span = d.querySelector('span')!;
    const spec = fb.composers.find((c) => span.closest(c.selector));
    expect(spec?.field).toBe('post');
    const label = d.querySelector('[aria-label=Post] span')!;
    expect(fb.submit.some((s) => label.closest(s))).toBe(true);
  });
});

describe('adapters from outside', () => {
  const good = { id: 'mastodon', hosts: ['mastodon.social'], composers: [{ selector: 'textarea', field: 'post' }], submit: ['button.button'], attachments: [] };

  it('accepts a well-formed adapter', () => {
    expect(validateAdapter(good, isSelector)).toMatchObject({ id: 'mastodon', submit_labels: [] });
  });

  it('drops malformed adapters and bad selectors, keeping the good ones', () => {
    const list = validateAdapterList(
      [good, { ...good, id: 'Bad Id' }, { ...good, id: 'x2', submit: ['[[['] }, { ...good, id: 'x3', composers: [{ selector: 'textarea', field: 'post', send_keys: ['Space'] }] }, null],
      isSelector,
    );
    expect(list.map((a) => a.id)).toEqual(['mastodon']);
  });

  it('lets a newer list replace a built-in adapter by id', () => {
    const newer = validateAdapter({ ...good, id: 'facebook', hosts: ['facebook.com'] })!;
    const merged = mergeAdapters(BUILTIN_ADAPTERS, [newer]);
    expect(merged.filter((a) => a.id === 'facebook')).toHaveLength(1);
    expect(adapterForHost('facebook.com', merged, [])?.submit).toEqual(['button.button']);
  });
});
