import { classifyAddress, classifyHostName, hostProblem, parseIPv6 } from '../../src/domain/addresses';

const publicOnly = { allowPrivateNetwork: false };
const privateAllowed = { allowPrivateNetwork: true };

describe('address classification: which addresses a partner call may reach', () => {
  test.each([
    // IPv4
    ['127.0.0.1', 'private', 'loopback'],
    ['127.255.255.254', 'private', 'loopback'],
    ['10.1.2.3', 'private', 'private (RFC 1918)'],
    ['172.16.0.1', 'private', 'private (RFC 1918)'],
    ['172.31.255.255', 'private', 'private (RFC 1918)'],
    ['192.168.1.1', 'private', 'private (RFC 1918)'],
    ['100.64.0.1', 'private', 'shared address space (CGNAT)'],
    ['100.127.255.255', 'private', 'shared address space (CGNAT)'],
    ['169.254.1.1', 'private', 'link-local'],
    ['169.254.169.254', 'metadata', 'cloud metadata'],
    ['169.254.170.2', 'metadata', 'cloud metadata'],
    ['100.100.100.200', 'metadata', 'cloud metadata'],
    ['0.0.0.0', 'unusable', 'unspecified ("this network")'],
    ['224.0.0.1', 'unusable', 'multicast'],
    ['255.255.255.255', 'unusable', 'reserved or broadcast'],
    ['192.0.2.10', 'unusable', 'documentation'],
    ['198.18.0.1', 'unusable', 'benchmarking'],
    ['172.32.0.1', 'public', 'public'],
    ['100.128.0.1', 'public', 'public'],
    ['8.8.8.8', 'public', 'public'],
    // IPv6
    ['::1', 'private', 'loopback'],
    ['[::1]', 'private', 'loopback'],
    ['::', 'unusable', 'unspecified'],
    ['fc00::1', 'private', 'unique-local'],
    ['fd12:3456::1', 'private', 'unique-local'],
    ['fe80::1', 'private', 'link-local'],
    ['fec0::1', 'private', 'site-local'],
    ['ff02::1', 'unusable', 'multicast'],
    ['2001:db8::1', 'unusable', 'documentation'],
    ['fd00:ec2::254', 'metadata', 'cloud metadata'],
    ['[fd00:ec2:0::254]', 'metadata', 'cloud metadata'],
    ['2606:4700::1111', 'public', 'public'],
    // IPv4 inside IPv6: judged as the IPv4 address
    ['::ffff:127.0.0.1', 'private', 'loopback (IPv4 127.0.0.1 inside IPv6)'],
    ['::ffff:7f00:1', 'private', 'loopback (IPv4 127.0.0.1 inside IPv6)'],
    ['[::ffff:a9fe:a9fe]', 'metadata', 'cloud metadata (IPv4 169.254.169.254 inside IPv6)'],
    ['::ffff:10.0.0.1', 'private', 'private (RFC 1918) (IPv4 10.0.0.1 inside IPv6)'],
    ['::127.0.0.1', 'private', 'loopback (IPv4 127.0.0.1 inside IPv6)'],
    ['64:ff9b::a9fe:a9fe', 'metadata', 'cloud metadata (IPv4 169.254.169.254 inside IPv6)'],
    ['2002:7f00:1::1', 'private', 'loopback (IPv4 127.0.0.1 inside IPv6)'],
    ['::ffff:8.8.8.8', 'public', 'public (IPv4 8.8.8.8 inside IPv6)'],
  ])('given %s, when classified, then it is %s (%s)', (address, cls, what) => {
    expect(classifyAddress(address)).toEqual({ class: cls, what });
  });

  test.each(['example.com', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', ''])(
    'given %p, when classified, then it is not an IP literal',
    (text) => {
      expect(classifyAddress(text)).toBeUndefined();
    },
  );

  test('given IPv6 texts, when parsed, then :: expands and a dotted tail fills the last two groups', () => {
    expect(parseIPv6('::1')).toEqual([...Array(15).fill(0), 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([...Array(10).fill(0), 255, 255, 1, 2, 3, 4]);
  });

  test.each([
    ['localhost', 'private'],
    ['LOCALHOST.', 'private'],
    ['api.localhost', 'private'],
    ['metadata.google.internal', 'metadata'],
    ['metadata.google.internal.', 'metadata'],
    ['metadata', 'metadata'],
  ])('given the host name %s, when classified without DNS, then it is %s', (name, cls) => {
    expect(classifyHostName(name)?.class).toBe(cls);
  });

  test('given an ordinary name, when classified without DNS, then nothing is known (it is judged after resolution)', () => {
    expect(classifyHostName('hooks.partner.example')).toBeUndefined();
    expect(hostProblem('hooks.partner.example', publicOnly)).toBeUndefined();
  });

  test('given a partner without allowPrivateNetwork, then loopback, private and link-local are refused; with it they are allowed; metadata and unusable never', () => {
    for (const host of ['127.0.0.1', '10.0.0.8', '[::1]', 'localhost', '169.254.10.10', '::ffff:192.168.0.1']) {
      expect(hostProblem(host, publicOnly)).toMatch(/allowPrivateNetwork: true/);
      expect(hostProblem(host, privateAllowed)).toBeUndefined();
    }
    for (const host of ['169.254.169.254', 'metadata.google.internal', 'fd00:ec2::254', '0.0.0.0', '239.1.1.1']) {
      expect(hostProblem(host, privateAllowed)).toMatch(/never called/);
    }
    expect(hostProblem('93.184.216.34', publicOnly)).toBeUndefined();
  });
});
