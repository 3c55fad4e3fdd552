import type { Partner, Partners } from '../../src/domain/partners';

/**
 * A local peer (on loopback) as a configured partner: its origin, its secret, and
 * `allowPrivateNetwork` — the only way the worker may call loopback at all.
 */
export function peerPartner(name: string, url: string, secret: string): Partner {
  return { name, origins: [new URL(url).origin], secret, allowPrivateNetwork: true };
}

export function partnerMap(...partners: Partner[]): Partners {
  return new Map(partners.map((partner) => [partner.name, partner]));
}

/** The same partners as a process reads them: the value of WEBHOOK_PARTNERS. */
export function partnersEnvValue(partners: Partners): string {
  return JSON.stringify(
    Object.fromEntries(
      [...partners.values()].map((p) => [
        p.name,
        { origins: p.origins, ...(p.secret ? { secret: p.secret } : {}), allowPrivateNetwork: p.allowPrivateNetwork },
      ]),
    ),
  );
}
