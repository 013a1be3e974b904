/** The value types every part of the config schema is built from, with their messages. */
import { z } from 'zod';

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
export const SEMVER_TAG = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** A DNS-1123 label; `max` is lower where the name is a prefix of longer Kubernetes names. */
export const dnsLabel = (max = 63) =>
  z.string().max(max).regex(DNS1123_LABEL, {
    error: "is not a DNS-1123 label (allowed: lower-case letters, digits and '-', starting and ending with a letter or digit)",
  });
export const isoDate = z.iso.date({ error: 'is not a date (allowed: YYYY-MM-DD)' });
export const cidr = z.string().regex(IPV4_CIDR, { error: 'is not an IPv4 CIDR block (allowed: a.b.c.d/n)' });
export const positiveInt = z.number().int().positive();
export const pinnedImage = z.string().regex(/^[a-z0-9][\w./:-]*:(?!latest$)[\w][\w.-]*$/, {
  error: 'is not a pinned image (allowed: repository:tag with a version tag, never latest)',
});
