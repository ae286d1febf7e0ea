import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import {
  AllowList,
  bareHostname,
  hostRefusal,
  parseAllowList,
  schemeRefusal,
} from './address-policy';
import { HostResolver } from './host-resolver';

/**
 * A connection refused before it was opened. The attempt records `<code>: <reason>`, e.g.
 * `address_refused: 10.0.0.5 is private`.
 */
export class OutboundRefusedError extends Error {
  constructor(
    readonly code: 'address_refused' | 'scheme_refused',
    reason: string,
  ) {
    super(reason);
    this.name = 'OutboundRefusedError';
  }
}

/** What is wrong with an endpoint URL: its scheme, or the addresses its host resolves to. */
export interface UrlRefusal {
  readonly kind: 'scheme' | 'address';
  readonly reason: string;
}

/**
 * Applies the address policy of `address-policy.ts` with the configured allow-list: to an
 * endpoint URL when it is saved, and to the host of every new connection, resolved here, so
 * that the address checked is the address connected to (a name cannot answer a public
 * address to the check and an internal one to the socket).
 */
@Injectable()
export class AddressGuard {
  private readonly allowList: AllowList;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly resolver: HostResolver,
  ) {
    this.allowList = parseAllowList(config.deliveryAllowedHosts);
  }

  /**
   * Why webhooks may not go to `url`, or `null`. A name that does not resolve now passes:
   * it is resolved and checked again at every delivery.
   */
  async urlRefusal(url: string): Promise<UrlRefusal | null> {
    const parsed = new URL(url);
    const scheme = schemeRefusal(parsed.protocol, this.config.deliveryAllowHttp);
    if (scheme) {
      return { kind: 'scheme', reason: scheme };
    }

    const hostname = bareHostname(parsed.hostname);
    const addresses = await this.addresses(hostname).catch(() => null);
    const reason = addresses && hostRefusal(hostname, addresses, this.allowList);

    return reason ? { kind: 'address', reason } : null;
  }

  /**
   * The address to open a connection to for `hostname`, after checking the scheme and every
   * address the host resolves to. Throws `OutboundRefusedError` when refused.
   * Only the first address is tried: no fallback to the others when it does not answer.
   */
  async connectAddress(protocol: string, hostname: string): Promise<string> {
    const scheme = schemeRefusal(protocol, this.config.deliveryAllowHttp);
    if (scheme) {
      throw new OutboundRefusedError('scheme_refused', scheme);
    }

    const host = bareHostname(hostname);
    const addresses = await this.addresses(host);
    const reason = hostRefusal(host, addresses, this.allowList);
    if (reason) {
      throw new OutboundRefusedError('address_refused', reason);
    }

    return addresses[0];
  }

  private async addresses(hostname: string): Promise<string[]> {
    return isIP(hostname) ? [hostname] : this.resolver.resolve(hostname);
  }
}
