// Strings come from _locales through chrome.i18n. Unit tests (no extension runtime) supply the
// same messages.json through setMessageSource.

type Lookup = (key: string, subs?: string[]) => string;

let lookup: Lookup = (key, subs) => {
  const c = (globalThis as { chrome?: typeof chrome }).chrome;
  return c?.i18n?.getMessage(key, subs) || key;
};

export function setMessageSource(messages: Record<string, { message: string; placeholders?: Record<string, { content: string }> }>): void {
  lookup = (key, subs = []) => {
    const m = messages[key];
    if (!m) return key;
    return m.message.replace(/\$([A-Z_]+)\$/g, (_, name: string) => {
      const ph = m.placeholders?.[name.toLowerCase()]?.content ?? '';
      return ph.replace(/\$(\d)/g, (_x, n: string) => subs[Number(n) - 1] ?? '');
    });
  };
}

export function t(key: string, ...subs: Array<string | number>): string {
  return lookup(key, subs.map(String));
}
