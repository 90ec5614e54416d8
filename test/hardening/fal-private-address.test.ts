import { describe, expect, it } from 'vitest';
import { isNonPublicAddress, isNonPublicHost } from '../../src/domain/private-address.js';

describe('non-public addresses', () => {
  it.each([
    // IPv4-mapped, in every spelling, whatever IPv4 address it maps.
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::FFFF:7F00:0001',
    '0:0:0:0:0:ffff:7f00:1',
    '0000:0000:0000:0000:0000:ffff:127.0.0.1',
    '[::ffff:7f00:1]',
    '::ffff:a9fe:a9fe',
    '::ffff:8.8.8.8',
    // IPv4-compatible (::/96).
    '::127.0.0.1',
    '::7f00:1',
    '::a00:1',
    '::8.8.8.8',
    // 6to4 (2002::/16), embedding a private IPv4 address or not.
    '2002:7f00:1::1',
    '2002:c0a8:101::1',
    '2002:a9fe:a9fe::',
    '2002:808:808::1',
    // Ranges that were already listed, and a zone id.
    '::',
    '::1',
    'fe80::1%eth0',
    'fd00::1',
    '127.0.0.1',
    '10.0.0.1',
    '169.254.169.254',
  ])('%s is not public', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2001:4860:4860::8888', '2003::1', '::1:0:0:1'])(
    '%s is public',
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );

  it('covers URL hosts as the URL parser spells them (a mapped address becomes hex)', () => {
    for (const url of ['https://[::ffff:127.0.0.1]/hook', 'https://[::127.0.0.1]/hook', 'https://[2002:7f00:1::1]/hook']) {
      expect(isNonPublicHost(new URL(url).hostname), url).toBe(true);
    }
    expect(isNonPublicHost(new URL('https://[2606:4700:4700::1111]/hook').hostname)).toBe(false);
    expect(isNonPublicHost(new URL('https://example.com/hook').hostname)).toBe(false);
  });
});
