import type { ChatOptions, OutboundOptions } from '../app/flowgate.js';
import type { MailOptions } from '../app/mail-setup.js';
import type { Config } from '../config/index.js';

/** The mail settings of `serve` and `worker`, as `createFlowgate` takes them. */
export function mailOptions(config: Config): MailOptions {
  return {
    ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
    ...(config.mailFrom ? { from: config.mailFrom } : {}),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(config.mailAttachmentsDir ? { attachmentsDir: config.mailAttachmentsDir } : {}),
    attachmentsMaxBytes: config.mailAttachmentsMaxBytes,
  };
}

/** The SSRF guard's allow-lists of `serve` and `worker`. */
export function outboundOptions(config: Config): OutboundOptions {
  return {
    allowedHosts: config.outboundAllowedHosts,
    allowedCidrs: config.outboundAllowedCidrs,
    allowHttp: config.allowHttpWebhooks,
  };
}

/** Chat's settings of `serve` and `worker`: where request pages are, Slack's signing secret, the server's secret. */
export function chatOptions(config: Config): ChatOptions {
  return {
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(config.slackSigningSecret ? { slackSigningSecret: config.slackSigningSecret } : {}),
    // Destination URLs are encrypted with a key derived from it.
    ...(config.jwtSecret ? { secret: config.jwtSecret } : {}),
  };
}
