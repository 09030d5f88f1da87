// End-to-end from the package (issue 6, item 6): the .deb is unpacked into a throwaway root, that
// root's `careguard install --user --browser chromium` writes the host manifest into a throwaway
// HOME, and headless Chromium, started on that HOME's Chromium folder, runs the extension, which
// reaches the packaged careguard-host through that manifest alone. No manifest is written by the
// test. A breach typed into a composer must be flagged.
//
//   CAREGUARD_DEB=/path/careguard_0.1.0_amd64.deb node --test --test-timeout=600000 from-package.test.mjs
//   (tests/deploy/package-e2e.sh builds the package and runs this)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, EXTENSION, EXTENSION_ID, root, startServers, waitForHost, waitForState } from './lib/harness.mjs';

const DEB = process.env.CAREGUARD_DEB;
// The host compiles the base pack's rules on its first start (no cache yet in the fresh HOME).
const HOST_TIMEOUT = Number(process.env.CAREGUARD_PACKAGE_HOST_TIMEOUT_MS ?? 240000);
const BREACH = 'Lovely visit to Mr Whitcombe today, his NHS no 943 476 5919 is on the fridge';
const NHS = '943 476 5919';

/** careguard-host processes started from `hostBin` with this HOME: only ours, never another run's. */
function hostPids(hostBin, home) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) !== hostBin) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`HOME=${home}`)) pids.push(Number(entry));
    } catch {
      // ended, or not ours to read
    }
  }
  return pids;
}

describe('from the .deb: careguard install --user, then Chromium', { skip: DEB ? false : 'set CAREGUARD_DEB to the .deb to test' }, () => {
  let dir, pkgRoot, home, env, careguard, hostBin, manifestPath, servers, context;

  before(async () => {
    assert.ok(existsSync(DEB), `no package at ${DEB}`);
    assert.ok(existsSync(join(EXTENSION, 'manifest.json')), `extension not built at ${EXTENSION} (cd extension && npm ci && npm run build)`);
    dir = mkdtempSync(join(tmpdir(), 'careguard-pkg-e2e-'));
    pkgRoot = join(dir, 'root');
    home = join(dir, 'home');
    mkdirSync(home);
    execFileSync('dpkg-deb', ['-x', DEB, pkgRoot]);
    careguard = join(pkgRoot, 'usr/bin/careguard');
    hostBin = realpathSync(join(pkgRoot, 'usr/bin/careguard-host'));
    // A person's environment, all of it inside the throwaway HOME. The packaged host uses its
    // default configuration search (no CAREGUARD_CONFIG): user config, packs and its compiled-rule
    // cache under the XDG folders below.
    env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), XDG_DATA_HOME: join(home, '.local/share') };
    delete env.CAREGUARD_CONFIG;
    servers = await startServers();
  });

  after(async () => {
    await context?.close().catch(() => {});
    await servers?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('careguard install --user --browser chromium writes the manifest into ~/.config/chromium', () => {
    const out = execFileSync(careguard, ['install', '--user', '--browser', 'chromium'], { env, encoding: 'utf8' });
    manifestPath = join(home, '.config/chromium/NativeMessagingHosts/app.careguard.host.json');
    assert.match(out, /wrote .*\.config\/chromium\/NativeMessagingHosts\/app\.careguard\.host\.json/);
    assert.ok(existsSync(manifestPath), `no manifest at ${manifestPath}; careguard said:\n${out}`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    assert.equal(manifest.name, 'app.careguard.host');
    assert.equal(manifest.type, 'stdio');
    assert.equal(realpathSync(manifest.path), hostBin, 'the manifest names the packaged host');
    assert.ok(manifest.path.startsWith('/'), 'absolute path');
    assert.ok(manifest.allowed_origins.includes(`chrome-extension://${EXTENSION_ID}/`), JSON.stringify(manifest.allowed_origins));
  });

  it('Chromium with the extension reaches the packaged host and flags a breach', async () => {
    assert.ok(manifestPath, 'install ran');
    // Chromium reads <user-data-dir>/NativeMessagingHosts; with --user-data-dir set to the default
    // folder, that is exactly where `careguard install --user` wrote.
    const userDataDir = join(home, '.config/chromium');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: false, // --headless=new below, which runs extensions
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic', '--ignore-certificate-errors',
        `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`,
        `--host-resolver-rules=MAP www.facebook.com 127.0.0.1:${servers.httpsPort}, MAP facebook.com 127.0.0.1:${servers.httpsPort}`,
      ],
      ignoreHTTPSErrors: true,
      viewport: { width: 1100, height: 800 },
      env,
    });
    const isOurs = (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`);
    const sw = context.serviceWorkers().find(isOurs) ?? (await context.waitForEvent('serviceworker', { predicate: isOurs, timeout: 30000 }));

    const started = Date.now();
    await waitForHost(sw, 'connected', HOST_TIMEOUT);
    console.log(`# host connected after ${Math.round((Date.now() - started) / 1000)} s (cold rule compile)`);
    assert.ok(hostPids(hostBin, home).length >= 1, 'the running host is the one unpacked from the .deb');

    const page = await context.newPage();
    await page.goto('https://www.facebook.com/facebook.html');
    await root(page).waitFor({ state: 'attached', timeout: 15000 });
    await page.waitForFunction(() => document.querySelector('#post-editor p') !== null || document.querySelector('#post-editor')?.isContentEditable);
    await page.click('#post-editor');
    await page.keyboard.type(BREACH, { delay: 5 });
    await waitForState(page, ['block', 'warn'], 15000);
    assert.ok(Number(await root(page).getAttribute('data-findings')) >= 1, 'at least one finding');
    const highlighted = await page.evaluate(() => ['careguard-block', 'careguard-warn'].flatMap((n) => [...(CSS.highlights.get(n) ?? [])].map((r) => r.toString())));
    assert.ok(highlighted.includes(NHS), `the NHS number is highlighted (got ${JSON.stringify(highlighted)})`);
    await page.close();
    await context.close();
    context = undefined;
    // The compiled rules went to the person's cache, as a real install's would.
    assert.ok(existsSync(join(home, '.cache/careguard')), 'the host cached its compiled rules under XDG_CACHE_HOME');
  });

  it('careguard uninstall --user --browser chromium removes exactly that manifest', () => {
    assert.ok(manifestPath, 'install ran');
    const out = execFileSync(careguard, ['uninstall', '--user', '--browser', 'chromium'], { env, encoding: 'utf8' });
    assert.match(out, /removed .*app\.careguard\.host\.json/);
    assert.equal(existsSync(manifestPath), false);
  });
});
