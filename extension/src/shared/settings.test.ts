import { describe, expect, it } from 'vitest';
import { hostMatchesSite, mergeSettings, normaliseSite } from './settings';
import { matchPatternsForSites } from '../background/content-registration';

describe('settings', () => {
  it('normalises what admins and staff type as a site', () => {
    expect(normaliseSite(' https://www.Forum.Example.org/threads/12 ')).toBe('forum.example.org');
    expect(normaliseSite('*.example.org')).toBe('example.org');
    expect(normaliseSite('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(normaliseSite('not a site')).toBeNull();
    expect(normaliseSite('')).toBeNull();
  });

  it('merges admin and personal sites; a person cannot remove an admin site', () => {
    const s = mergeSettings({ covered_sites: ['forum.example.org', 'bad site'] }, ['blog.example.net', 'forum.example.org']);
    expect(s.adminSites).toEqual(['forum.example.org']);
    expect(s.coveredSites).toEqual(['forum.example.org', 'blog.example.net']);
  });

  it('keeps only valid overrides and an https (or local) pack URL', () => {
    const s = mergeSettings({ severity_overrides: { 'pid.nhs-number': 'warn', reputation: 'off', x: 'loud' as never }, require_reason_to_post: true, pack_update_url: 'http://packs.example/x' }, []);
    expect(s.severityOverrides).toEqual({ 'pid.nhs-number': 'warn', reputation: 'off' });
    expect(s.requireReasonToPost).toBe(true);
    expect(s.packUpdateUrl).toBeNull();
    expect(mergeSettings({ pack_update_url: 'https://packs.example/x' }, []).packUpdateUrl).toBe('https://packs.example/x');
    expect(mergeSettings({ pack_update_url: 'http://127.0.0.1:8080/x' }, []).packUpdateUrl).toBe('http://127.0.0.1:8080/x');
  });

  it('matches subdomains but not look-alikes', () => {
    expect(hostMatchesSite('www.example.org', 'example.org')).toBe(true);
    expect(hostMatchesSite('example.org', 'example.org')).toBe(true);
    expect(hostMatchesSite('badexample.org', 'example.org')).toBe(false);
  });

  it('makes content-script match patterns, without a subdomain wildcard on IP addresses', () => {
    expect(matchPatternsForSites(['example.org', '127.0.0.1'])).toEqual(['*://example.org/*', '*://*.example.org/*', '*://127.0.0.1/*']);
  });
});
