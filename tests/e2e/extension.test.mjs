// End-to-end: the built extension in real headless Chromium, talking to the real careguard-host,
// on composers built with the editor libraries the networks use. Example posts are invented.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { coverLocalFixtures, EXTENSION_ID, hostPids, launch, root, startServers, waitForHost, waitForState } from './lib/harness.mjs';

const BREACH = 'Lovely visit to Mr Whitcombe today, his NHS no 943 476 5919 is on the fridge';
const NHS = '943 476 5919';
const CLEAN = 'Lovely sunny walk along the canal this morning';

let servers;
before(async () => {
  servers = await startServers();
});
after(async () => {
  await servers?.close();
});

/** The text of the Highlight the extension registered, read from the page's own world. */
function highlightTexts(page, name) {
  return page.evaluate((n) => {
    const h = CSS.highlights.get(n);
    return h ? [...h].map((r) => r.toString()) : [];
  }, name);
}

/**
 * Selects the whole composer with no key events, and returns once the page has seen the new
 * selection: Draft.js keeps its own copy, taken from selectionchange, and edits at that.
 */
function selectAllWithoutKeys(page) {
  return page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('selectionchange', () => requestAnimationFrame(() => setTimeout(resolve, 0)), { once: true });
    document.execCommand('selectAll');
  }));
}

async function typeInto(page, selector, text) {
  await page.click(selector);
  await page.keyboard.type(text, { delay: 5 });
}

describe('with careguard-host installed', () => {
  let browser;
  before(async () => {
    browser = await launch({ host: 'real', httpsPort: servers.httpsPort });
    await coverLocalFixtures(browser.sw);
    await waitForHost(browser.sw);
  });
  after(async () => {
    await browser?.close();
  });

  async function facebookPage() {
    const page = await browser.context.newPage();
    await page.goto('https://www.facebook.com/facebook.html');
    await page.locator('careguard-root').waitFor({ state: 'attached' });
    await page.waitForFunction(() => document.querySelector('#post-editor p') !== null || document.querySelector('#post-editor')?.isContentEditable);
    return page;
  }

  it('connects to the host: the root is on the page and idle', async () => {
    const page = await facebookPage();
    assert.equal(await root(page).getAttribute('data-state'), 'idle');
    assert.equal(await root(page).getAttribute('data-findings'), '0');
    assert.equal(await page.evaluate(() => document.querySelector('careguard-root').parentElement === document.documentElement), true);
    await page.close();
  });

  it('Lexical (facebook.com): a breach is underlined and explained within a second, text and caret untouched', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    const typedAt = Date.now();
    await waitForState(page, 'block', 3000);
    const elapsed = Date.now() - typedAt;
    assert.ok(elapsed < 1000, `warning took ${elapsed} ms`);
    assert.ok(Number(await root(page).getAttribute('data-findings')) >= 1);
    assert.ok((await highlightTexts(page, 'careguard-block')).includes(NHS), 'the NHS number is highlighted');
    const card = page.locator('careguard-root [data-careguard-card]');
    await card.waitFor({ state: 'visible', timeout: 1000 });
    const cardText = await card.innerText();
    assert.match(cardText, /Policy 7\.2/);
    assert.match(cardText, /Personal details/);
    // The editor's own model holds exactly what was typed: nothing lost, nothing inserted.
    assert.equal(await page.evaluate(() => window.__lexicalText()), BREACH);
    assert.equal(await page.evaluate(() => document.querySelector('#post-editor').querySelectorAll('mark, careguard-root, [data-careguard-underline]').length), 0);
    // Typing carries on at the caret, at the end and in the middle.
    await page.keyboard.type(' xyz', { delay: 5 });
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.type('!', { delay: 5 });
    await page.waitForTimeout(400);
    assert.equal(await page.evaluate(() => window.__lexicalText()), `${BREACH}! xyz`);
    await page.keyboard.type('Q');
    assert.equal(await page.evaluate(() => window.__lexicalText()), `${BREACH}!Q xyz`);
    await waitForState(page, 'block');
    assert.ok((await highlightTexts(page, 'careguard-block')).includes(NHS), 'underline follows the new text');
    await page.close();
  });

  it('keyboard: Alt+Shift+G moves to the card, Escape returns to the composer with the caret in place', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    await waitForState(page, 'block');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Alt+Shift+KeyG');
    assert.equal(await page.evaluate(() => document.querySelector('careguard-root').shadowRoot.activeElement?.getAttribute('data-action')), 'edit');
    // The live region announces the findings to screen readers.
    await page.waitForFunction(() => /CareGuard: \d+ thing\(s\) to check/.test(document.querySelector('careguard-root').shadowRoot.querySelector('[role="status"][aria-live]').textContent));
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'post-editor');
    await page.keyboard.type('#');
    assert.equal(await page.evaluate(() => window.__lexicalText()), `${BREACH.slice(0, -2)}#${BREACH.slice(-2)}`);
    await page.close();
  });

  it('Learn why shows the clause text', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    await waitForState(page, 'block');
    await page.locator('careguard-root [data-careguard-card] [data-action="why"]').first().click();
    assert.match(await page.locator('careguard-root [data-careguard-card] .why').first().innerText(), /Never disclose personal details/);
    await page.close();
  });

  it('holds back the Post click and keeps the draft', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    await waitForState(page, 'block');
    await page.click('#post-button');
    const dialog = page.locator('careguard-root [data-careguard-dialog="guard"]');
    await dialog.waitFor({ state: 'visible', timeout: 2000 });
    assert.match(await dialog.innerText(), /has not been sent/);
    assert.deepEqual(await page.evaluate(() => window.__posts), []);
    await dialog.locator('[data-action="back"]').click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(await page.evaluate(() => window.__posts), []);
    assert.equal(await page.evaluate(() => window.__lexicalText()), BREACH);
    await page.close();
  });

  it('holds back a Post made straight after typing, before the debounced check ran', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    await page.click('#post-button'); // no wait: the guard must scan now
    await page.locator('careguard-root [data-careguard-dialog="guard"]').waitFor({ state: 'visible', timeout: 3000 });
    assert.deepEqual(await page.evaluate(() => window.__posts), []);
    await page.close();
  });

  it('holds back Enter-to-send in a comment box', async () => {
    const page = await facebookPage();
    await typeInto(page, '#comment-editor', BREACH);
    await waitForState(page, 'block');
    await page.keyboard.press('Enter');
    await page.locator('careguard-root [data-careguard-dialog="guard"]').waitFor({ state: 'visible', timeout: 2000 });
    assert.deepEqual(await page.evaluate(() => window.__posts), []);
    assert.equal(await page.evaluate(() => document.querySelector('#comment-editor').innerText.trim()), BREACH);
    await page.close();
  });

  it('lets a clean post through', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', CLEAN);
    await waitForState(page, 'clear');
    assert.equal(await root(page).getAttribute('data-findings'), '0');
    await page.click('#post-button');
    await page.waitForFunction(() => window.__posts.length === 1, null, { timeout: 3000 });
    assert.deepEqual(await page.evaluate(() => window.__posts), [CLEAN]);
    await page.close();
  });

  it('dismissing removes the underline; posting then asks for confirmation and goes through', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    await waitForState(page, 'block');
    const before = Number(await root(page).getAttribute('data-findings'));
    const nhsFinding = page.locator('careguard-root [data-careguard-card] [data-rule="pid.nhs-number"]');
    await nhsFinding.locator('[data-action="dismiss"]').click();
    await page.waitForFunction((n) => Number(document.querySelector('careguard-root').getAttribute('data-findings')) === n - 1, before);
    assert.ok(!(await highlightTexts(page, 'careguard-block')).includes(NHS), 'underline gone');
    assert.notEqual(await root(page).getAttribute('data-state'), 'block');
    await page.click('#post-button');
    const dialog = page.locator('careguard-root [data-careguard-dialog="guard"]');
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('[data-action="post-anyway"]').click();
    await page.waitForFunction(() => window.__posts.length === 1, null, { timeout: 3000 });
    assert.deepEqual(await page.evaluate(() => window.__posts), [BREACH]);
    await page.close();
  });

  it('plain textarea on an admin-listed site: overlay underline, form submit held, value intact', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${servers.httpUrl}/plain.html`);
    await page.locator('careguard-root').waitFor({ state: 'attached' });
    await typeInto(page, '#reply', BREACH);
    await waitForState(page, 'block', 3000);
    await page.locator('careguard-root [data-careguard-underline="block"]').first().waitFor({ state: 'attached', timeout: 2000 });
    const [u] = await page.locator('careguard-root [data-careguard-underline="block"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    const ta = await page.locator('#reply').boundingBox();
    assert.ok(u.left >= ta.x && u.top >= ta.y && u.left + u.width <= ta.x + ta.width + 1, 'underline sits inside the textarea');
    await page.click('#reply-submit');
    await page.locator('careguard-root [data-careguard-dialog="guard"]').waitFor({ state: 'visible' });
    assert.deepEqual(await page.evaluate(() => window.__posts), []);
    assert.equal(await page.inputValue('#reply'), BREACH);
    await page.close();
  });

  it('plain contenteditable: highlight without touching the DOM', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${servers.httpUrl}/plain.html`);
    await typeInto(page, '#ce-editor', `Note: ${BREACH}`);
    await waitForState(page, 'block', 3000);
    assert.ok((await highlightTexts(page, 'careguard-block')).includes(NHS));
    assert.equal(await page.evaluate(() => document.querySelector('#ce-editor').innerText.trim()), `Note: ${BREACH}`);
    assert.equal(await page.evaluate(() => document.querySelector('#ce-editor').children.length), 0);
    await page.close();
  });

  for (const [name, file, editor, read] of [
    ['Draft.js', 'draft.html', '#draft-editor [contenteditable="true"]', () => window.__draftText()],
    ['Quill', 'quill.html', '#quill-editor .ql-editor', () => window.__quillText()],
  ]) {
    it(`${name}: warning appears and the editor keeps every character`, async () => {
      const page = await browser.context.newPage();
      await page.goto(`${servers.httpUrl}/${file}`);
      await page.locator(editor).waitFor();
      await typeInto(page, editor, BREACH);
      await waitForState(page, 'block', 3000);
      assert.ok((await highlightTexts(page, 'careguard-block')).includes(NHS));
      await page.keyboard.type(' ok', { delay: 5 });
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(read), `${BREACH} ok`);
      await page.click('#post-button');
      await page.locator('careguard-root [data-careguard-dialog="guard"]').waitFor({ state: 'visible' });
      assert.deepEqual(await page.evaluate(() => window.__posts), []);
      await page.close();
    });
  }

  // Dictation, IME commits, autofill and password managers put text in with no key events, and
  // Lexical and Draft.js then write it into the DOM themselves with no input event after it.
  const WITHOUT_KEYS = {
    'keyboard.insertText': (page, text) => page.keyboard.insertText(text),
    "execCommand('insertText')": (page, text) => page.evaluate((t) => document.execCommand('insertText', false, t), text),
    'IME composition, then commit': async (page, text) => {
      const cdp = await page.context().newCDPSession(page);
      try {
        for (const part of new Set([text.slice(0, 12), text])) {
          await cdp.send('Input.imeSetComposition', { text: part, selectionStart: part.length, selectionEnd: part.length });
        }
        await cdp.send('Input.insertText', { text });
      } finally {
        await cdp.detach();
      }
    },
  };
  const EDITORS = [
    { name: 'Lexical', url: () => 'https://www.facebook.com/facebook.html', editor: '#post-editor', post: '#post-button', read: () => window.__lexicalText() },
    { name: 'Draft.js', url: () => `${servers.httpUrl}/draft.html`, editor: '#draft-editor [contenteditable="true"]', post: '#post-button', read: () => window.__draftText() },
    { name: 'Quill', url: () => `${servers.httpUrl}/quill.html`, editor: '#quill-editor .ql-editor', post: '#post-button', read: () => window.__quillText() },
    { name: 'plain textarea', url: () => `${servers.httpUrl}/plain.html`, editor: '#reply', post: '#reply-submit', read: () => document.querySelector('#reply').value, overlay: true },
    { name: 'plain contenteditable', url: () => `${servers.httpUrl}/plain.html`, editor: '#ce-editor', post: '#ce-post', read: () => document.querySelector('#ce-editor').innerText.trim() },
  ];
  for (const { name, url, editor, post, read, overlay } of EDITORS) {
    for (const [how, put] of Object.entries(WITHOUT_KEYS)) {
      // Draft.js handles execCommand's input event by re-rendering over the browser's own edit, and
      // React then throws and unmounts the whole fixture, with or without CareGuard installed.
      if (name === 'Draft.js' && how.startsWith('execCommand')) continue;
      it(`${name}: text put in by ${how}, with no key events, is checked, held at Post, and clears when replaced and deleted`, async () => {
        const page = await browser.context.newPage();
        await page.goto(url());
        await page.locator('careguard-root').waitFor({ state: 'attached' });
        await page.locator(editor).waitFor();
        await page.click(editor);
        await page.evaluate(() => {
          window.__keyEvents = 0;
          for (const type of ['keydown', 'keypress', 'keyup']) window.addEventListener(type, () => window.__keyEvents++, true);
        });
        const underlined = async () =>
          overlay
            ? (await page.locator('careguard-root [data-careguard-underline="block"]').count()) > 0
            : (await highlightTexts(page, 'careguard-block')).includes(NHS);

        await put(page, BREACH);
        await waitForState(page, 'block', 3000);
        assert.equal(await page.evaluate(read), BREACH, 'the editor holds exactly the inserted text');
        assert.ok(await underlined(), 'the NHS number is underlined');
        const card = page.locator('careguard-root [data-careguard-card] [data-rule="pid.nhs-number"]');
        await card.waitFor({ state: 'visible', timeout: 2000 });

        await page.click(post);
        const dialog = page.locator('careguard-root [data-careguard-dialog="guard"]');
        await dialog.waitFor({ state: 'visible', timeout: 3000 });
        assert.deepEqual(await page.evaluate(() => window.__posts), []);
        await dialog.locator('[data-action="back"]').click();
        await dialog.waitFor({ state: 'detached' });

        // Replaced the same way: the finding goes with the text it was about.
        await selectAllWithoutKeys(page);
        await put(page, CLEAN);
        await waitForState(page, 'clear', 3000);
        assert.equal(await page.evaluate(read), CLEAN);
        assert.equal(await root(page).getAttribute('data-findings'), '0');
        assert.ok(!(await underlined()), 'the underline has gone');
        await card.waitFor({ state: 'hidden', timeout: 2000 });

        // Emptied the same way: the text is replaced by nothing.
        await put(page, ` ${BREACH}`);
        await waitForState(page, 'block', 3000);
        await selectAllWithoutKeys(page);
        await put(page, '');
        await waitForState(page, 'idle', 3000);
        assert.equal(await page.evaluate(read), '');
        assert.ok(!(await underlined()), 'the underline has gone');
        assert.equal(await page.evaluate(() => window.__keyEvents), 0, 'no key events reached the page');
        await page.close();
      });
    }
  }

  it('asks for written consent on an attachment and warns about GPS data in a photo', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${servers.httpUrl}/plain.html`);
    await page.locator('careguard-root').waitFor({ state: 'attached' });
    await page.setInputFiles('#photo', { name: 'garden.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpegWithGps()) });
    const dialog = page.locator('careguard-root [data-careguard-dialog="attachment"]');
    await dialog.waitFor({ state: 'visible', timeout: 3000 });
    assert.match(await dialog.innerText(), /written consent/);
    await dialog.locator('[data-careguard-gps]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#attached').innerText(), '');
    await dialog.locator('[data-action="consent"]').click();
    await page.waitForFunction(() => document.getElementById('attached').textContent.includes('garden.jpg'));
    await page.close();
  });

  it('asks for consent when a photo is dropped on the composer, and passes the drop on once confirmed', async () => {
    const page = await facebookPage();
    const drop = () =>
      page.evaluate((bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'visit.jpg', { type: 'image/jpeg' }));
        const target = document.querySelector('[role="dialog"]');
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, [...jpegWithGps()]);
    await drop();
    const dialog = page.locator('careguard-root [data-careguard-dialog="attachment"]');
    await dialog.waitFor({ state: 'visible', timeout: 3000 });
    await dialog.locator('[data-careguard-gps]').waitFor({ state: 'visible' });
    assert.deepEqual(await page.evaluate(() => window.__drops), [], 'the page has not received the photo yet');
    await dialog.locator('[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(await page.evaluate(() => window.__drops), []);
    await drop();
    await dialog.locator('[data-action="consent"]').click();
    await page.waitForFunction(() => window.__drops.length === 1);
    assert.deepEqual(await page.evaluate(() => window.__drops), ['visit.jpg']);
    await page.close();
  });

  it('popup shows the host connected with its version and packs', async () => {
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${EXTENSION_ID}/popup/popup.html`);
    const status = page.locator('[data-host-status]');
    await status.waitFor();
    assert.equal(await status.getAttribute('data-host-status'), 'connected');
    const text = await page.locator('#app').innerText();
    assert.match(text, /Protection is on/);
    assert.match(text, /App version/);
    assert.match(text, /uk-care-base/);
    assert.match(text, /127\.0\.0\.1/); // the covered site the test added
    await page.close();
  });

  it('options page: status, policy summary, and a person can add a site to check', async () => {
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${EXTENSION_ID}/options/options.html`);
    await page.locator('[data-host-status="connected"]').waitFor();
    const text = await page.locator('#app').innerText();
    assert.match(text, /Your social media policy in short/);
    assert.match(text, /Policy 7\.2 Confidentiality breaches/);
    assert.match(text, /Your organisation has not set anything here/);
    await page.fill('#add-site', 'https://www.forum.example.org/threads/1');
    await page.click('form button[type="submit"]');
    const remove = page.getByRole('button', { name: 'Remove forum.example.org' });
    await remove.waitFor();
    const sites = await page.evaluate(async () => (await chrome.storage.local.get('user_covered_sites')).user_covered_sites);
    assert.deepEqual(sites, ['127.0.0.1', 'forum.example.org']);
    await remove.click();
    await page.waitForFunction(async () => (await chrome.storage.local.get('user_covered_sites')).user_covered_sites.length === 1);
    await page.close();
  });

  it('a hung host never holds up typing: the page goes off, then protection comes back', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${servers.httpUrl}/plain.html`);
    await page.locator('careguard-root').waitFor({ state: 'attached' });
    // A host the worker gave up on earlier gets up to 2 s from the browser before SIGKILL.
    const pids = await onlyHost(browser.dir);
    assert.equal(pids.length, 1, `one long-lived host process for the whole browser: ${JSON.stringify(describePids(pids))}`);
    process.kill(pids[0], 'SIGSTOP'); // the host stops answering, its pipes stay open
    try {
      const started = Date.now();
      await typeInto(page, '#reply', BREACH);
      assert.ok(Date.now() - started < 10000, 'typing was not slowed down');
      assert.equal(await page.inputValue('#reply'), BREACH);
      await waitForState(page, 'off', 8000);
      assert.match(await page.locator('careguard-root [data-careguard-off]').innerText(), /not responding/);
      // The worker closes the port; the browser kills the hung process and a fresh one is started.
      await waitForState(page, 'block', 30000);
      const now = await onlyHost(browser.dir);
      assert.equal(now.length, 1, JSON.stringify(describePids(now)));
      assert.notEqual(now[0], pids[0], 'a new host process replaced the hung one');
    } finally {
      try {
        process.kill(pids[0], 'SIGCONT');
      } catch {
        // already killed by the browser
      }
    }
    await page.close();
  });

  it('survives the service worker being stopped: the next keystroke wakes it and protection resumes', async () => {
    const page = await facebookPage();
    const [before] = await onlyHost(browser.dir);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    await typeInto(page, '#post-editor', BREACH);
    await waitForState(page, 'block', 20000);
    assert.equal(await page.evaluate(() => window.__lexicalText()), BREACH);
    assert.ok((await highlightTexts(page, 'careguard-block')).includes(NHS));
    // The old worker's port closed, so its host exited; the woken worker started a new one.
    const now = await onlyHost(browser.dir);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], before);
    await page.close();
  });

  it('sends audit events without any of the post text', async () => {
    const page = await facebookPage();
    await typeInto(page, '#post-editor', BREACH);
    await waitForState(page, 'block');
    await page.locator('careguard-root [data-careguard-card] [data-rule="pid.nhs-number"] [data-action="report"]').click();
    await page.locator('careguard-root [data-careguard-card] [role="status"]').first().waitFor();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !(existsSync(browser.auditLog) && readFileSync(browser.auditLog, 'utf8').includes('concern_reported'))) {
      await page.waitForTimeout(100);
    }
    assert.ok(existsSync(browser.auditLog), 'the host wrote an audit log');
    const log = readFileSync(browser.auditLog, 'utf8');
    assert.match(log, /concern_reported/);
    assert.match(log, /pid\.nhs-number/);
    assert.ok(!log.includes('943') && !log.includes('Whitcombe') && !log.includes('fridge'), 'audit log holds no post text');
    await page.close();
  });
});

describe('without careguard-host', () => {
  it('shows the off state and "contact IT" on a covered page', async () => {
    const browser = await launch({ host: 'missing', httpsPort: servers.httpsPort });
    try {
      const page = await browser.context.newPage();
      await page.goto('https://www.facebook.com/facebook.html');
      await waitForState(page, 'off', 5000);
      const pill = page.locator('careguard-root [data-careguard-off]');
      await pill.waitFor({ state: 'visible' });
      assert.match(await pill.innerText(), /protection is off/i);
      assert.match(await pill.innerText(), /not installed/);
      assert.match(await pill.innerText(), /contact your IT/i);
      // Typing and posting still work: protection being off never blocks the person.
      await typeInto(page, '#post-editor', CLEAN);
      assert.equal(await page.evaluate(() => window.__lexicalText()), CLEAN);
      assert.equal(await root(page).getAttribute('data-state'), 'off');
      const popup = await browser.context.newPage();
      await popup.goto(`chrome-extension://${EXTENSION_ID}/popup/popup.html`);
      await popup.locator('[data-host-status="off"]').waitFor();
      assert.match(await popup.locator('#app').innerText(), /Protection is off: contact IT/);
      const status = await browser.sw.evaluate(async () => (await chrome.storage.session.get('host_state')).host_state);
      assert.equal(status.problem, 'not-installed');
    } finally {
      await browser.close();
    }
  });
});

async function onlyHost(dir) {
  for (let i = 0; i < 50; i++) {
    const pids = hostPids(dir);
    if (pids.length === 1) return pids;
    await new Promise((r) => setTimeout(r, 100));
  }
  return hostPids(dir);
}

function describePids(pids) {
  return pids.map((p) => {
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').split(' ').slice(0, 4).join(' ');
    } catch {
      return `${p} gone`;
    }
  });
}

/** A tiny JPEG whose EXIF has a GPS IFD with a latitude, built byte by byte. */
function jpegWithGps() {
  const u16 = (v) => [v & 0xff, v >> 8];
  const u32 = (v) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
  const gpsAt = 8 + 2 + 12 + 4;
  const tiff = [0x49, 0x49, ...u16(42), ...u32(8), ...u16(1), ...u16(0x8825), ...u16(4), ...u32(1), ...u32(gpsAt), ...u32(0),
    ...u16(1), ...u16(2), ...u16(5), ...u32(3), ...u32(gpsAt + 18), ...u32(0), ...u32(53), ...u32(1), ...u32(28), ...u32(1), ...u32(0), ...u32(1)];
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = exif.length + 2;
  return new Uint8Array([0xff, 0xd8, 0xff, 0xe1, len >> 8, len & 0xff, ...exif, 0xff, 0xda, 0, 2, 0xff, 0xd9]);
}
