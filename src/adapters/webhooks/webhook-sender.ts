import { lookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isNonPublicAddress } from '../../domain/private-address.js';
import type { WebhookSender, WebhookSendResult } from '../../ports/webhook-sender.js';

export interface StandardWebhookSenderOptions {
  /** Standard Webhooks signing secret (`whsec_…`). */
  secret: string;
  /** Lets deliveries reach loopback, private and link-local addresses (local development). */
  allowPrivate: boolean;
  /** Longest an attempt may take. @default 10000 */
  timeoutMs?: number;
  /** Resolves a host name to its addresses. @default dns.lookup with all: true */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

/**
 * POSTs JSON signed per the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`). The host is resolved first and every address checked; the
 * connection then goes to the checked address, so DNS cannot be switched in between.
 * Redirects are not followed.
 */
export class StandardWebhookSender implements WebhookSender {
  private readonly signer: Webhook;
  private readonly timeoutMs: number;

  constructor(private readonly options: StandardWebhookSenderOptions) {
    this.signer = new Webhook(options.secret);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(url: string, messageId: string, payload: string): Promise<WebhookSendResult> {
    const target = new URL(url);
    let address: { address: string; family: number };
    try {
      address = await this.resolve(target.hostname);
    } catch (error) {
      return { statusCode: null, error: error instanceof Error ? error.message : 'cannot resolve the host' };
    }
    const sentAt = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'uni-animate-gateway',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': this.signer.sign(messageId, sentAt, payload),
    };
    const pinned: LookupFunction = (_hostname, options, callback) =>
      (options as { all?: boolean }).all
        ? (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [address])
        : callback(null, address.address, address.family);
    const requestOptions: RequestOptions = { method: 'POST', headers, lookup: pinned, timeout: this.timeoutMs };
    return new Promise<WebhookSendResult>((resolve) => {
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(target, requestOptions, (res) => {
        res.resume();
        resolve({ statusCode: res.statusCode ?? null, error: null });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => resolve({ statusCode: null, error: error.message }));
      req.end(payload);
    });
  }

  private async resolve(hostname: string): Promise<{ address: string; family: number }> {
    const bare = hostname.replace(/^\[|\]$/g, '');
    const resolve = this.options.resolve ?? ((name: string) => lookup(name, { all: true }));
    const addresses = isIP(bare) ? [{ address: bare, family: isIP(bare) }] : await resolve(bare);
    if (!this.options.allowPrivate && addresses.some((a) => isNonPublicAddress(a.address))) {
      throw new Error('the host resolves to a loopback, private or link-local address');
    }
    return addresses[0]!;
  }
}
