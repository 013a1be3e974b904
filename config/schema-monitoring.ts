/** `monitoring` of a site: where Prometheus keeps its data, and where alerts go. */
import { z } from 'zod';
import { dnsLabel } from './schema-primitives';

/** A key of a Kubernetes Secret in the monitoring namespace; the secret itself never enters config. */
const secretKeySchema = z
  .strictObject({
    secret: dnsLabel().describe('Secret in the monitoring namespace (made by ops, never by config).'),
    key: z
      .string()
      .regex(/^[-._a-zA-Z0-9]+$/, { error: 'is not a Secret key (allowed: letters, digits, "-", "_", ".")' })
      .describe('Key in the Secret.'),
  })
  .describe('A Secret key, mounted into the component that needs it.');

const receiverSchema = z
  .strictObject({
    name: dnsLabel().describe('Receiver name, used by the routes.'),
    email: z
      .strictObject({
        to: z.email({ error: 'is not an e-mail address' }).describe('Address alerts go to.'),
        from: z.email({ error: 'is not an e-mail address' }).describe('Sender address.'),
        smarthost: z
          .string()
          .regex(/^[a-z0-9.-]+:\d+$/, { error: 'is not host:port' })
          .describe('SMTP relay, host:port.'),
        authUsername: z.string().min(1).optional().describe('SMTP user. @default - no authentication'),
        authPassword: secretKeySchema.optional().describe('SMTP password, from a Secret.'),
      })
      .optional(),
    webhook: z
      .strictObject({ url: secretKeySchema.describe('URL (with any token in it), from a Secret.') })
      .optional()
      .describe('A webhook (chat, ticketing, an on-call bridge).'),
    pagerduty: z
      .strictObject({ routingKey: secretKeySchema.describe('Events API v2 routing key, from a Secret.') })
      .optional()
      .describe('PagerDuty (or a compatible on-call service).'),
  })
  .refine((r) => [r.email, r.webhook, r.pagerduty].filter(Boolean).length === 1, {
    error: 'needs exactly one of email, webhook, pagerduty',
  });

const DEFAULT_RECEIVERS = [
  { name: 'site-oncall', webhook: { url: { secret: 'alertmanager-receivers', key: 'oncall-url' } } },
  { name: 'heartbeat', webhook: { url: { secret: 'alertmanager-receivers', key: 'heartbeat-url' } } },
];

export const monitoringSchema = z
  .strictObject({
    prometheus: z
      .strictObject({
        tier: z
          .enum(['scratch', 'datasets', 'checkpoints'])
          .default('scratch')
          .describe("Storage tier of Prometheus' volume (block storage preferred). @default scratch"),
        sizeGiB: z.number().int().min(10).max(100_000).default(500).describe("Size of Prometheus' volume, GiB. @default 500"),
        retentionDays: z
          .number()
          .int()
          .min(35, { error: 'is too short for the usage ledger, which reads whole months (allowed: at least 35 days)' })
          .max(3650)
          .default(45)
          .describe('Days of metrics kept; the usage ledger reads whole months, so at least 35. @default 45'),
        remoteWrite: z
          .array(
            z.strictObject({
              name: dnsLabel().describe('Name of the remote store.'),
              url: z
                .string()
                .regex(/^https:\/\/\S+$/, { error: 'is not an https URL' })
                .describe('Remote-write endpoint (a site or fleet store).'),
              bearerToken: secretKeySchema.optional().describe('Bearer token, from a Secret. @default - none'),
            }),
          )
          .default([])
          .describe('Stores Prometheus also writes to. @default none'),
      })
      .prefault({}),
    alerting: z
      .strictObject({
        receivers: z
          .array(receiverSchema)
          .min(1)
          .default(DEFAULT_RECEIVERS)
          .describe(
            'Where alerts go. @default site-oncall and heartbeat, webhooks whose URLs are the keys oncall-url and heartbeat-url of the Secret alertmanager-receivers',
          ),
        critical: z.array(dnsLabel()).min(1).optional().describe('Receivers of critical alerts. @default the first receiver'),
        warning: z.array(dnsLabel()).min(1).optional().describe('Receivers of warnings. @default the first receiver'),
        watchdog: dnsLabel()
          .optional()
          .describe(
            'Receiver of the always-firing Watchdog alert, so that silence (a dead alerting path) is noticed. @default heartbeat, if defined',
          ),
      })
      .prefault({}),
  })
  .describe("The site's metrics store and alert routing.");
