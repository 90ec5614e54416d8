import { BlockList, isIP } from 'node:net';

/**
 * Loopback, private, link-local, shared, multicast and reserved ranges: nothing a webhook may reach.
 * One list per family: a BlockList matches an IPv4 address against an IPv6 rule for its mapped
 * form, so ::ffff:0:0/96 in a shared list would cover every IPv4 address.
 */
const NON_PUBLIC_V4 = new BlockList();
const NON_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible addresses (::a.b.c.d).
  ['::', 96],
  // IPv4-mapped (::ffff:a.b.c.d, however spelt): a socket reaches the IPv4 address inside.
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  // 6to4: 2002:AABB:CCDD::/48 is relayed to IPv4 AA.BB.CC.DD, which may be private.
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for an IP address (v4 or v6, in any spelling, with or without brackets or a zone) that is
 * not on the public internet. Every IPv6 address that embeds an IPv4 one (mapped, compatible,
 * 6to4) is non-public, whatever IPv4 address it embeds.
 */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return false;
  return family === 4 ? NON_PUBLIC_V4.check(bare, 'ipv4') : NON_PUBLIC_V6.check(bare, 'ipv6');
}

/** True for a URL host that names a non-public address outright (a literal IP, or localhost). */
export function isNonPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || isNonPublicAddress(host);
}
