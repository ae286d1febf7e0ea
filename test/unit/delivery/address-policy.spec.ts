import {
  addressRefusal,
  classifyAddress,
  hostRefusal,
  parseAllowList,
  schemeRefusal,
} from '../../../src/modules/delivery/address-policy';
import { ConfigError, loadConfig } from '../../../src/config/config';

const NOTHING_ALLOWED = parseAllowList([]);

describe('classifying addresses', () => {
  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local (private)'],
    ['fd12:3456::1', 'unique-local (private)'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['fec0::1', 'site-local (private)'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved (discard)'],
    ['2002:a00:1::1', 'reserved (6to4)'],
    ['2001::1', 'reserved (teredo)'],
    ['::7f00:1', 'reserved (IPv4-compatible)'],
  ];

  it.each(refused)('refuses %s as %s', (address, label) => {
    expect(classifyAddress(address)).toEqual({ label, embedded: null });
  });

  const embedded: [string, string, string][] = [
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.1'],
    ['::ffff:10.0.0.5', 'private', '10.0.0.5'],
    ['::ffff:a9fe:a9fe', 'link-local', '169.254.169.254'],
    ['::ffff:0:c0a8:101', 'private', '192.168.1.1'],
    ['64:ff9b::a00:1', 'private', '10.0.0.1'],
    ['64:ff9b::7f00:1', 'loopback', '127.0.0.1'],
  ];

  it.each(embedded)('judges %s by the IPv4 address it carries', (address, label, v4) => {
    expect(classifyAddress(address)).toEqual({ label, embedded: v4 });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81d::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(classifyAddress(address)).toBeNull();
    expect(addressRefusal(address, NOTHING_ALLOWED)).toBeNull();
  });

  it('says which address is refused and why', () => {
    expect(addressRefusal('10.0.0.5', NOTHING_ALLOWED)).toBe('10.0.0.5 is private');
    expect(addressRefusal('::ffff:7f00:1', NOTHING_ALLOWED)).toBe(
      '::ffff:7f00:1 is loopback (it carries 127.0.0.1)',
    );
  });
});

describe('the allow-list', () => {
  const allowList = parseAllowList([
    '127.0.0.1',
    '10.1.0.0/16',
    'fd00::/8',
    ' Hooks.Internal ',
    'metadata.example.',
  ]);

  it.each([
    ['127.0.0.1', null],
    ['::ffff:127.0.0.1', null],
    ['127.0.0.2', '127.0.0.2 is loopback'],
    ['10.1.200.3', null],
    ['10.2.0.1', '10.2.0.1 is private'],
    ['fd00::5', null],
    ['fc00::5', 'fc00::5 is unique-local (private)'],
    ['::1', '::1 is loopback'],
  ])('for the address %s: %s', (address, refusal) => {
    expect(addressRefusal(address, allowList)).toBe(refusal);
  });

  it('lets a listed host name resolve to internal addresses, matching case and dot loosely', () => {
    expect(hostRefusal('hooks.internal', ['10.9.9.9'], allowList)).toBeNull();
    expect(hostRefusal('HOOKS.internal.', ['192.168.0.1'], allowList)).toBeNull();
    expect(hostRefusal('metadata.example', ['169.254.169.254'], allowList)).toBeNull();
    expect(hostRefusal('other.internal', ['10.9.9.9'], allowList)).toBe(
      'other.internal resolved to 10.9.9.9, which is private',
    );
  });

  it('reads IPv4 ranges in four-part decimal only, and names a bad entry', () => {
    expect(() => parseAllowList(['10.0.0'])).toThrow('"10.0.0" is neither');
    expect(() => parseAllowList(['0x7f.1'])).toThrow('"0x7f.1" is neither');
    expect(() => parseAllowList(['10.0.0.0/33'])).toThrow('"10.0.0.0/33" is not a CIDR range');
    expect(() => parseAllowList(['hooks internal'])).toThrow('"hooks internal" is neither');
    expect(parseAllowList(['', ' ']).hosts.size).toBe(0);
  });
});

describe('a host and the addresses it resolves to', () => {
  it('refuses a name when any of its addresses is internal', () => {
    expect(hostRefusal('hooks.example.com', ['93.184.215.14'], NOTHING_ALLOWED)).toBeNull();
    expect(hostRefusal('rebind.example.com', ['93.184.215.14', '10.0.0.5'], NOTHING_ALLOWED)).toBe(
      'rebind.example.com resolved to 10.0.0.5, which is private',
    );
    expect(hostRefusal('localhost', ['::1', '127.0.0.1'], NOTHING_ALLOWED)).toBe(
      'localhost resolved to ::1, which is loopback',
    );
    expect(hostRefusal('empty.example.com', [], parseAllowList(['empty.example.com']))).toBe(
      'empty.example.com resolved to no address',
    );
  });

  it('names an IP literal without a resolution, IPv6 in brackets too', () => {
    expect(hostRefusal('169.254.169.254', ['169.254.169.254'], NOTHING_ALLOWED)).toBe(
      '169.254.169.254 is link-local',
    );
    expect(hostRefusal('[::1]', ['::1'], NOTHING_ALLOWED)).toBe('::1 is loopback');
  });
});

describe('schemes', () => {
  it('takes https always and http only when allowed', () => {
    expect(schemeRefusal('https:', false)).toBeNull();
    expect(schemeRefusal('http:', true)).toBeNull();
    expect(schemeRefusal('http:', false)).toContain('BULLSEYE_DELIVERY_ALLOW_HTTP=true');
    expect(schemeRefusal('ftp:', true)).toBe('ftp is not a webhook scheme');
  });
});

describe('the settings', () => {
  it('default to https only and an empty allow-list', () => {
    const config = loadConfig({});

    expect(config.deliveryAllowHttp).toBe(false);
    expect(config.deliveryAllowedHosts).toEqual([]);
  });

  it('read the allow-list and refuse a bad entry, naming the setting', () => {
    const config = loadConfig({
      BULLSEYE_DELIVERY_ALLOW_HTTP: 'true',
      BULLSEYE_DELIVERY_ALLOWED_HOSTS: ' hooks.internal, 10.0.0.0/8 ,::1,',
    });

    expect(config.deliveryAllowHttp).toBe(true);
    expect(config.deliveryAllowedHosts).toEqual(['hooks.internal', '10.0.0.0/8', '::1']);
    expect(() => loadConfig({ BULLSEYE_DELIVERY_ALLOWED_HOSTS: '10.0.0.0/40' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ BULLSEYE_DELIVERY_ALLOWED_HOSTS: '10.0.0.0/40' })).toThrow(
      /BULLSEYE_DELIVERY_ALLOWED_HOSTS: "10.0.0.0\/40" is not a CIDR range/,
    );
  });
});
