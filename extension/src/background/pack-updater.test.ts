import { describe, expect, it, vi } from 'vitest';
import { PackRejectedError, sha256Hex, updatePack, type PackUpdateDeps } from './pack-updater';

function deps(over: Partial<PackUpdateDeps> = {}): PackUpdateDeps & { stored: string | null } {
  const d: PackUpdateDeps & { stored: string | null } = {
    stored: null as string | null,
    fetchText: vi.fn(async () => JSON.stringify({ id: 'larkspur', site_adapters: [{ id: 'forum' }] })),
    digest: sha256Hex,
    lastInstalledDigest: async (): Promise<string | null> => d.stored,
    rememberInstalled: async (x: string) => {
      d.stored = x;
    },
    install: vi.fn(async () => {}),
    ...over,
  };
  return d;
}

describe('updatePack', () => {
  it('installs a new pack through the host and returns its site adapters', async () => {
    const d = deps();
    const r = await updatePack('https://packs.example/larkspur.cgpack.json', d);
    expect(r).toEqual({ outcome: 'installed', siteAdapters: [{ id: 'forum' }] });
    expect(d.install).toHaveBeenCalledOnce();
    expect(d.stored).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not send the same pack twice', async () => {
    const d = deps();
    await updatePack('https://p/x', d);
    expect(await updatePack('https://p/x', d)).toEqual({ outcome: 'unchanged' });
    expect(d.install).toHaveBeenCalledOnce();
  });

  it('reports a pack the host refused and remembers nothing', async () => {
    const d = deps({ install: vi.fn(async () => { throw new PackRejectedError('signature does not verify'); }) });
    expect(await updatePack('https://p/x', d)).toEqual({ outcome: 'rejected', message: 'signature does not verify' });
    expect(d.stored).toBeNull();
  });

  it('reports a failed download without calling the host', async () => {
    const d = deps({ fetchText: vi.fn(async () => { throw new Error('HTTP 404'); }) });
    expect(await updatePack('https://p/x', d)).toEqual({ outcome: 'failed', message: 'HTTP 404' });
    expect(d.install).not.toHaveBeenCalled();
  });
});
