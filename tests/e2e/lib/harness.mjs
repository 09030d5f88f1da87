// Starts the fixture servers and a fresh Chromium profile with the extension loaded and the native
// messaging host registered in <user-data-dir>/NativeMessagingHosts, the way Chromium looks for it.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../../..');
export const FIXTURES = resolve(here, '../fixtures');
export const EXTENSION = process.env.CAREGUARD_EXTENSION_DIR ?? join(REPO, 'extension/dist/chromium');
export const HOST_BIN = process.env.CAREGUARD_HOST_BIN ?? join(REPO, 'build/host/careguard-host');
export const EXTENSION_ID = 'hllknhdbcnbafllcikebpiinoenhnenl';
export const CHROMIUM = process.env.CAREGUARD_CHROMIUM ?? '/usr/bin/chromium';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

function handler(req, res) {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = resolve(FIXTURES, `.${path === '/' ? '/demo.html' : path}`);
  if (!file.startsWith(FIXTURES) || !existsSync(file)) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(readFileSync(file));
}

/** HTTP on 127.0.0.1 for admin-listed-site fixtures, HTTPS for fixtures served under a real site name. */
export async function startServers() {
  const certDir = mkdtempSync(join(tmpdir(), 'careguard-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=www.facebook.com',
    '-addext', 'subjectAltName=DNS:www.facebook.com,DNS:facebook.com', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  const http = createServer(handler);
  const https = createHttpsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, handler);
  await Promise.all([new Promise((r) => http.listen(0, '127.0.0.1', r)), new Promise((r) => https.listen(0, '127.0.0.1', r))]);
  return {
    httpUrl: `http://127.0.0.1:${http.address().port}`,
    httpsPort: https.address().port,
    async close() {
      http.closeAllConnections?.();
      https.closeAllConnections?.();
      await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => https.close(r))]);
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

/**
 * host: 'real' registers HOST_BIN; 'missing' registers nothing, so connectNative fails with
 * "Specified native messaging host not found."
 */
export async function launch({ host = 'real', httpsPort, headless = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'careguard-e2e-'));
  const profile = join(dir, 'profile');
  mkdirSync(join(profile, 'NativeMessagingHosts'), { recursive: true });
  if (host === 'real') {
    if (!existsSync(HOST_BIN)) throw new Error(`careguard-host not found at ${HOST_BIN}: build it or set CAREGUARD_HOST_BIN`);
    writeFileSync(join(profile, 'NativeMessagingHosts', 'app.careguard.host.json'), JSON.stringify({
      name: 'app.careguard.host',
      description: 'CareGuard policy checks (end-to-end test)',
      path: HOST_BIN,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    }, null, 2));
  }
  // The host inherits the browser's environment: keep its audit log, caches and packs in the
  // throwaway folder, never in the real user's.
  const config = join(dir, 'careguard-config.json');
  mkdirSync(join(dir, 'packs'), { recursive: true });
  // The compiled rule database is cached across runs (the host keys it by version and platform):
  // a cold compile takes tens of seconds on a small machine.
  const cache = process.env.CAREGUARD_E2E_CACHE ?? join(tmpdir(), 'careguard-e2e-cache');
  writeFileSync(config, JSON.stringify({ pack_dirs: [join(dir, 'packs')], cache_dir: cache, audit: { enabled: true, path: join(dir, 'audit.jsonl') } }, null, 2));
  const args = [
    ...(headless ? ['--headless=new'] : []),
    '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--ignore-certificate-errors',
    `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`,
  ];
  if (httpsPort) args.push(`--host-resolver-rules=MAP www.facebook.com 127.0.0.1:${httpsPort}, MAP facebook.com 127.0.0.1:${httpsPort}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false, // headlessness comes from --headless=new, which supports extensions
    args,
    ignoreHTTPSErrors: true,
    viewport: { width: 1100, height: 800 },
    env: { ...process.env, CAREGUARD_CONFIG: config, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CACHE_HOME: join(dir, 'xdg-cache') },
  });
  let sw = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
  if (!sw) sw = await context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`), timeout: 15000 });
  return {
    context,
    sw,
    dir,
    auditLog: join(dir, 'audit.jsonl'),
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The careguard-host processes this launch's browser started: found by the CAREGUARD_CONFIG path
 * in their environment, which is unique to the launch, so no other process is ever touched.
 */
export function hostPids(launchDir) {
  const want = `CAREGUARD_CONFIG=${join(launchDir, 'careguard-config.json')}`;
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) !== realpathSync(HOST_BIN)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(want)) pids.push(Number(entry));
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return pids;
}

/** Waits for the host's hello (a cold first start compiles the rules before answering). */
export async function waitForHost(sw, status = 'connected', timeout = 150000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await sw.evaluate(async () => (await chrome.storage.session.get('host_state')).host_state ?? null);
    if (last?.status === status) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`host did not reach "${status}" in time; last state: ${JSON.stringify(last)}`);
}

/** Adds 127.0.0.1 to the person's covered sites and waits until its content script is registered. */
export async function coverLocalFixtures(sw) {
  await sw.evaluate(() => chrome.storage.local.set({ user_covered_sites: ['127.0.0.1'] }));
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const matches = await sw.evaluate(async () => (await chrome.scripting.getRegisteredContentScripts()).flatMap((s) => s.matches ?? []));
    if (matches.includes('*://127.0.0.1/*')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('covered-site content script was not registered');
}

export function root(page) {
  return page.locator('careguard-root');
}

export async function waitForState(page, states, timeout = 5000) {
  const want = Array.isArray(states) ? states : [states];
  await page.waitForFunction((w) => w.includes(document.querySelector('careguard-root')?.getAttribute('data-state')), want, { timeout });
}
