// @vitest-environment jsdom
import { beforeAll, describe, expect, it } from 'vitest';
import messages from '../../_locales/en_GB/messages.json';
import { setMessageSource } from '../shared/i18n';
import type { Finding } from '../shared/protocol';
import { createRoot } from './careguard-root';
import { askAttachmentConsent, askBeforePosting, dialogOpen } from './dialogs';

const warn: Finding = { rule: 'su.titled-client', category: 'service-user', severity: 'warn', start: 0, end: 5, clause: '7.2', message: 'A title and surname can identify a client.' };
const safeguarding: Finding = { rule: 'safe.mocking', category: 'safeguarding', severity: 'block', start: 0, end: 5, clause: '7.1', message: 'Mocking a vulnerable person harms them.' };
const org = { safeguarding_lead: 'Priya Okafor', safeguarding_contact: '01632 960123' };

beforeAll(() => setMessageSource(messages as never));

function button(root: ReturnType<typeof createRoot>, action: string): HTMLButtonElement {
  return root.shadow.querySelector<HTMLButtonElement>(`[data-action="${action}"]`)!;
}

describe('post guard dialog', () => {
  it('needs a reason category before posting past a warning, when the admin says so', async () => {
    const root = createRoot(document);
    const answer = askBeforePosting(root, { decision: 'confirm', findings: [warn], org, requireReason: true });
    expect(dialogOpen()).toBe(true);
    button(root, 'post-anyway').click();
    expect(root.shadow.querySelector('.error')!.textContent).toBe('Choose a reason first.');
    root.shadow.querySelector<HTMLInputElement>('input[value="not_about_a_client"]')!.click();
    button(root, 'post-anyway').click();
    await expect(answer).resolves.toEqual({ post: true, reason: 'not_about_a_client' });
    expect(dialogOpen()).toBe(false);
    root.host.remove();
  });

  it('offers no way past a block, names the safeguarding lead, and Escape means go back', async () => {
    const root = createRoot(document);
    const answer = askBeforePosting(root, { decision: 'block', findings: [safeguarding], org, requireReason: false });
    expect(button(root, 'post-anyway')).toBeNull();
    expect(root.shadow.textContent).toContain('Priya Okafor, 01632 960123');
    expect(root.shadow.activeElement).toBe(button(root, 'back'));
    root.shadow.querySelector('.modal')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await expect(answer).resolves.toEqual({ post: false });
    root.host.remove();
  });

  it('asks about written consent and shows the GPS warning only when there is location data', async () => {
    const root = createRoot(document);
    const a = askAttachmentConsent(root, { gps: false });
    expect(root.shadow.querySelector('[data-careguard-gps]')).toBeNull();
    button(root, 'consent').click();
    await expect(a).resolves.toBe(true);
    const b = askAttachmentConsent(root, { gps: true });
    expect(root.shadow.querySelector('[data-careguard-gps]')!.textContent).toContain('location data');
    button(root, 'cancel').click();
    await expect(b).resolves.toBe(false);
    root.host.remove();
  });
});
