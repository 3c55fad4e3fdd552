/**
 * Which network addresses a partner call may reach. Pure (no Node built-ins) so validation, the
 * client's guard and the worker's connect-time check share one definition.
 *
 * - `metadata`: cloud instance metadata (credentials live there): refused always;
 * - `private`: loopback, RFC 1918, CGNAT 100.64/10, link-local, unique-local fc00::/7, site-local:
 *   refused unless the partner's entry sets `allowPrivateNetwork: true`;
 * - `unusable`: unspecified, multicast, broadcast, documentation and other reserved ranges: refused
 *   always (no partner lives there; `0.0.0.0` even reaches this host on Linux).
 * IPv4 addresses embedded in IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) are judged as the IPv4 address they carry.
 */
export type AddressClass = 'public' | 'private' | 'metadata' | 'unusable';

export interface NetworkPolicy {
  /** Loopback and private ranges allowed (a partner on a private network, tests on loopback). */
  allowPrivateNetwork: boolean;
}

/** Cloud metadata endpoints: AWS/GCP/Azure/OpenStack, AWS ECS task metadata, Alibaba, AWS IPv6. */
const METADATA_V4 = ['169.254.169.254', '169.254.170.2', '100.100.100.200'];
const METADATA_V6 = ['fd00:ec2:0:0:0:0:0:254'];
const METADATA_NAMES = [
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
];

type Range = readonly [string, number, Exclude<AddressClass, 'public' | 'metadata'>, string];

/** [network, prefix length, class, what it is] */
const V4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'unusable', 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private', 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'private', 'shared address space (CGNAT)'],
  ['127.0.0.0', 8, 'private', 'loopback'],
  ['169.254.0.0', 16, 'private', 'link-local'],
  ['172.16.0.0', 12, 'private', 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'unusable', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'unusable', 'documentation'],
  ['192.88.99.0', 24, 'unusable', '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private', 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'unusable', 'benchmarking'],
  ['198.51.100.0', 24, 'unusable', 'documentation'],
  ['203.0.113.0', 24, 'unusable', 'documentation'],
  ['224.0.0.0', 4, 'unusable', 'multicast'],
  ['240.0.0.0', 4, 'unusable', 'reserved or broadcast'],
];

const V6_RANGES: Range[] = [
  ['::', 128, 'unusable', 'unspecified'],
  ['::1', 128, 'private', 'loopback'],
  ['64:ff9b:1::', 48, 'private', 'local-use NAT64'],
  ['100::', 64, 'unusable', 'discard-only'],
  ['2001::', 32, 'unusable', 'Teredo tunnelling'],
  ['2001:db8::', 32, 'unusable', 'documentation'],
  ['fc00::', 7, 'private', 'unique-local'],
  ['fe80::', 10, 'private', 'link-local'],
  ['fec0::', 10, 'private', 'site-local'],
  ['ff00::', 8, 'unusable', 'multicast'],
];

/** Dotted-quad IPv4 (as DNS and the URL parser give it) as 4 bytes; undefined if it is not one. */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

/** IPv6 (with or without brackets, `::` and a trailing dotted IPv4 allowed) as 16 bytes. */
export function parseIPv6(text: string): number[] | undefined {
  let rest = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!rest.includes(':') || !/^[0-9a-fA-F:.]+$/.test(rest)) return undefined;
  const lastColon = rest.lastIndexOf(':');
  if (rest.slice(lastColon + 1).includes('.')) {
    // A dotted IPv4 tail stands for the last two groups.
    const v4 = parseIPv4(rest.slice(lastColon + 1));
    if (!v4) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const back = halves.length === 2 ? groups(halves[1]!) : [];
  const known = head.length + back.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const all = [...head, ...Array<string>(8 - known).fill('0'), ...back];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => {
    const word = parseInt(g, 16);
    return [word >> 8, word & 0xff];
  });
}

function inRange(bytes: number[], network: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((bytes[byte]! & mask) !== (network[byte]! & mask)) return false;
  }
  return true;
}

export interface AddressVerdict {
  class: AddressClass;
  /** What the address is, for messages ("loopback", "cloud metadata"). */
  what: string;
}

function classifyV4(bytes: number[]): AddressVerdict {
  if (METADATA_V4.includes(bytes.join('.'))) return { class: 'metadata', what: 'cloud metadata' };
  for (const [network, prefix, cls, what] of V4_RANGES) {
    if (inRange(bytes, parseIPv4(network)!, prefix)) return { class: cls, what };
  }
  return { class: 'public', what: 'public' };
}

function classifyV6(bytes: number[]): AddressVerdict {
  const canonical = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(
    ':',
  );
  if (METADATA_V6.includes(canonical)) return { class: 'metadata', what: 'cloud metadata' };
  const embedded = embeddedIPv4(bytes);
  if (embedded) {
    const verdict = classifyV4(embedded);
    return { ...verdict, what: `${verdict.what} (IPv4 ${embedded.join('.')} inside IPv6)` };
  }
  for (const [network, prefix, cls, what] of V6_RANGES) {
    if (inRange(bytes, parseIPv6(network)!, prefix)) return { class: cls, what };
  }
  return { class: 'public', what: 'public' };
}

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIPv4(bytes: number[]): number[] | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  // IPv4-compatible (deprecated), but not :: and ::1 themselves.
  if (zeros(0, 12) && !zeros(12, 15)) return bytes.slice(12);
  if (inRange(bytes, parseIPv6('64:ff9b::')!, 96)) return bytes.slice(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

/** The class of an IP address literal; undefined when the text is not an IP address. */
export function classifyAddress(address: string): AddressVerdict | undefined {
  const v4 = parseIPv4(address);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(address);
  return v6 ? classifyV6(v6) : undefined;
}

/** Host names whose address is known without asking DNS: `localhost` and cloud metadata names. */
export function classifyHostName(host: string): AddressVerdict | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.includes(name)) return { class: 'metadata', what: 'cloud metadata' };
  if (name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain')
    return { class: 'private', what: 'loopback' };
  return undefined;
}

/** Whether the policy lets a call reach an address of this class. */
export function allowed(verdict: AddressVerdict, policy: NetworkPolicy): boolean {
  return verdict.class === 'public' || (verdict.class === 'private' && policy.allowPrivateNetwork);
}

/**
 * Why a host (an IP literal, with or without brackets, or a name) may not be reached under the
 * policy, or undefined when nothing is known against it. Names other than the known ones are
 * judged again after DNS resolution, at connect time.
 */
export function hostProblem(host: string, policy: NetworkPolicy): string | undefined {
  const verdict = classifyAddress(host) ?? classifyHostName(host);
  if (!verdict || allowed(verdict, policy)) return undefined;
  if (verdict.class === 'private')
    return `${host} is a ${verdict.what} address; only partners whose entry sets allowPrivateNetwork: true may be there`;
  return `${host} is a ${verdict.what} address, which is never called`;
}
