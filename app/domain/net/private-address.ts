/**
 * Which IP addresses an outgoing request may reach. Pure: no DNS, no sockets. Anything that is not public
 * unicast is refused (loopback, private, link-local, CGNAT, multicast, unspecified, reserved, documentation,
 * IPv6 ULA/link-local/site-local), and IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4) is judged as IPv4.
 */
import { isIP } from "node:net";

/** Why an address is not public, or null when it may be reached. Non-addresses are refused ("invalid"). */
export function nonPublicReason(address: string): string | null {
  const ip = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 4) return ipv4Reason(parseIpv4(ip)!);
  if (family === 6) {
    const bytes = parseIpv6(ip);
    return bytes ? ipv6Reason(bytes) : "invalid";
  }
  return "invalid";
}

export function isPublicAddress(address: string): boolean {
  return nonPublicReason(address) === null;
}

type V4Range = [a: number, b: number, c: number, d: number, prefix: number, reason: string];

const V4_RANGES: V4Range[] = [
  [0, 0, 0, 0, 8, "unspecified"],
  [10, 0, 0, 0, 8, "private"],
  [100, 64, 0, 0, 10, "cgnat"],
  [127, 0, 0, 0, 8, "loopback"],
  [169, 254, 0, 0, 16, "link_local"],
  [172, 16, 0, 0, 12, "private"],
  [192, 0, 0, 0, 24, "reserved"],
  [192, 0, 2, 0, 24, "documentation"],
  [192, 88, 99, 0, 24, "reserved"],
  [192, 168, 0, 0, 16, "private"],
  [198, 18, 0, 0, 15, "benchmarking"],
  [198, 51, 100, 0, 24, "documentation"],
  [203, 0, 113, 0, 24, "documentation"],
  [224, 0, 0, 0, 4, "multicast"],
  [240, 0, 0, 0, 4, "reserved"], // includes 255.255.255.255 (broadcast)
];

function parseIpv4(ip: string): number[] | null {
  const parts = ip.split(".").map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : null;
}

function ipv4Reason(octets: number[]): string | null {
  const value = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  for (const [a, b, c, d, prefix, reason] of V4_RANGES) {
    const base = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === base) return reason;
  }
  return null;
}

/** 16 bytes, or null. Accepts "::", a trailing dotted IPv4 and a zone id (ignored). */
function parseIpv6(input: string): number[] | null {
  let ip = input.split("%")[0].toLowerCase();
  const lastColon = ip.lastIndexOf(":");
  if (ip.slice(lastColon + 1).includes(".")) {
    const v4 = parseIpv4(ip.slice(lastColon + 1));
    if (!v4) return null;
    ip = `${ip.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const words = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = words(halves[0]);
  const rest = halves.length === 2 ? words(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const all = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  if (all.some((w) => Number.isNaN(w))) return null;
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function ipv6Reason(b: number[]): string | null {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return "unspecified";
  if (zeros(0, 15) && b[15] === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d and 64:ff9b:1::/48 (NAT64).
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return ipv4Reason(b.slice(12));
  if (zeros(0, 12)) return ipv4Reason(b.slice(12));
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return ipv4Reason(b.slice(12)) ?? (zeros(4, 12) ? null : "reserved");
  if (b[0] === 0x20 && b[1] === 0x02) return ipv4Reason(b.slice(2, 6)); // 6to4
  if (b[0] === 0xff) return "multicast";
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return "link_local";
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return "site_local";
  if ((b[0] & 0xfe) === 0xfc) return "unique_local";
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return "documentation";
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) return "reserved"; // Teredo
  // Only global unicast (2000::/3) is reachable; everything else is reserved.
  if ((b[0] & 0xe0) !== 0x20) return "reserved";
  return null;
}
