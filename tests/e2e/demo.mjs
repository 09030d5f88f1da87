// Opens the demo composer in Chromium with the extension and the real host. Headed when there is
// a display; otherwise headless, typing an example breach and saving a screenshot of the warning.

import { coverLocalFixtures, launch, startServers, waitForHost, waitForState } from './lib/harness.mjs';

const screenshot = process.argv[2] ?? 'demo-warning.png';
const headed = !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY;
const EXAMPLE = 'Lovely afternoon with Mrs Pennington, her NHS no 943 476 5919 is on the fridge.';

const servers = await startServers();
const browser = await launch({ host: 'real', httpsPort: servers.httpsPort, headless: !headed });
await coverLocalFixtures(browser.sw);
console.log('waiting for careguard-host (the first start compiles the rules)…');
await waitForHost(browser.sw).catch((e) => console.error(String(e)));
const page = await browser.context.newPage();
await page.goto(`${servers.httpUrl}/demo.html`);
await page.locator('careguard-root').waitFor({ state: 'attached' });

if (headed) {
  console.log('CareGuard demo is open: type in the composer. Close the browser window to finish.');
  await new Promise((resolve) => browser.context.on('close', resolve));
  await servers.close();
} else {
  await page.click('#post-editor');
  await page.keyboard.type(EXAMPLE, { delay: 15 });
  let state;
  try {
    await waitForState(page, ['block', 'warn', 'off'], 5000);
  } finally {
    state = await page.locator('careguard-root').getAttribute('data-state');
  }
  await page.waitForTimeout(300); // let the card finish laying out
  await page.screenshot({ path: screenshot });
  await browser.close();
  await servers.close();
  if (state === 'off') {
    console.error(`CareGuard protection is off in the demo (the host did not answer); screenshot: ${screenshot}`);
    process.exit(1);
  }
  console.log(`warning shown (data-state="${state}"); screenshot: ${screenshot}`);
}
