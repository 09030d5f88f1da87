// Keystroke to highlight, measured from the page: the built extension in headless Chromium with
// the real careguard-host, on the Lexical (facebook.com) fixture. Not part of the e2e suite: a
// figure for docs/performance.md (scripts/bench.sh runs it).
//
// For each key: from the keydown event's timestamp to the moment the extension's root element
// leaves "checking" (the findings, underlines and card are applied in that same task), observed
// with a MutationObserver in the page, minus the extension's debounce (read from its source).
//
//   node keystroke-timing.mjs OUT.json [keys per size]

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { coverLocalFixtures, launch, REPO, startServers, waitForHost, waitForState } from './lib/harness.mjs';

const [output, keysArg] = process.argv.slice(2);
if (!output) {
  console.error('usage: node keystroke-timing.mjs OUT.json [keys per size]');
  process.exit(2);
}
const KEYS = Number(keysArg ?? 60);

const debounceMatch = /const DEBOUNCE_MS = (\d+);/.exec(readFileSync(join(REPO, 'extension/src/content/main.ts'), 'utf8'));
if (!debounceMatch) throw new Error('DEBOUNCE_MS not found in extension/src/content/main.ts');
const DEBOUNCE_MS = Number(debounceMatch[1]);

/** About `chars` characters of the corpus's own fictional posts, as the C++ benchmarks cut them. */
function postOf(chars) {
  const corpus = readFileSync(join(REPO, 'tests/corpus/posts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);
  let text = '';
  for (let i = 0; text.length < chars; i += 7) text += `${corpus[i % corpus.length]} `;
  return [...text].slice(0, chars).join('').trimEnd();
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const servers = await startServers();
const browser = await launch({ host: 'real', httpsPort: servers.httpsPort });
const result = { debounce_ms: DEBOUNCE_MS, keys_per_size: KEYS, chromium: browser.context.browser()?.version() ?? null, sizes: {} };
try {
  await coverLocalFixtures(browser.sw);
  await waitForHost(browser.sw);
  for (const size of [100, 1024]) {
    const page = await browser.context.newPage();
    await page.goto('https://www.facebook.com/facebook.html');
    await page.locator('careguard-root').waitFor({ state: 'attached' });
    await page.click('#post-editor');
    await page.keyboard.insertText(postOf(size));
    await waitForState(page, ['block', 'warn', 'clear'], 10000);
    await page.evaluate(() => {
      const timing = { keydown: 0, samples: [] };
      window.__careguardTiming = timing;
      window.addEventListener('keydown', (e) => { timing.keydown = e.timeStamp; }, true);
      const root = document.querySelector('careguard-root');
      new MutationObserver(() => {
        const state = root.getAttribute('data-state');
        if (timing.keydown && state !== 'checking') {
          timing.samples.push(performance.now() - timing.keydown);
          timing.keydown = 0;
        }
      }).observe(root, { attributes: true, attributeFilter: ['data-state'] });
    });
    for (let k = 0; k < KEYS; k++) {
      await page.keyboard.type(k % 8 === 7 ? ' ' : 'abcdefg'[k % 7]);
      await page.waitForFunction((n) => window.__careguardTiming.samples.length > n, k, { timeout: 10000 });
      await page.waitForTimeout(20 + (k % 5) * 10);
    }
    const samples = (await page.evaluate(() => window.__careguardTiming.samples)).map((ms) => ms - DEBOUNCE_MS).sort((a, b) => a - b);
    result.sizes[size] = { n: samples.length, p50_ms: percentile(samples, 0.5), p95_ms: percentile(samples, 0.95), max_ms: samples.at(-1) };
    console.error(`keystroke to highlight (${size} characters): p95 ${result.sizes[size].p95_ms.toFixed(1)} ms after the ${DEBOUNCE_MS} ms debounce`);
    await page.close();
  }
} finally {
  await browser.close();
  await servers.close();
}
writeFileSync(output, JSON.stringify(result, null, 2));
