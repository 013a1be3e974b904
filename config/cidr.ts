/** IPv4 CIDR arithmetic for address plans. */

export interface Cidr {
  readonly text: string;
  /** First address, as an unsigned 32-bit number. */
  readonly start: number;
  /** Last address, inclusive. */
  readonly end: number;
  readonly prefix: number;
}

export function parseIpv4(text: string): number {
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses a syntactically valid `a.b.c.d/n` (the schema has checked the syntax). */
export function parseCidr(text: string): Cidr {
  const [address, prefixText] = text.split('/');
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const start = parseIpv4(address);
  return { text, start, end: start + size - 1, prefix };
}

/** The block with its host bits cleared; equal to the input when it is aligned. */
export function networkOf(cidr: Cidr): string {
  const size = 2 ** (32 - cidr.prefix);
  return `${formatIpv4(Math.floor(cidr.start / size) * size)}/${cidr.prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** Splits `parent` into consecutive subnets of `prefix` bits and returns the first `count`. */
export function carve(parent: Cidr, prefix: number, count: number): Cidr[] {
  const size = 2 ** (32 - prefix);
  if (prefix < parent.prefix || count * size > parent.end - parent.start + 1) {
    throw new RangeError(`${parent.text} cannot hold ${count} subnets of /${prefix}`);
  }
  return Array.from({ length: count }, (_, i) => parseCidr(`${formatIpv4(parent.start + i * size)}/${prefix}`));
}
