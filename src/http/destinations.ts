import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { allowed, classifyAddress, hostProblem, type NetworkPolicy } from '../domain/addresses';

/**
 * The connect-time half of the destination rules (validation is the other half): every socket the
 * sender opens goes through a connector that refuses literal addresses the policy forbids, resolves
 * names itself and refuses the connection when ANY address a name resolves to is forbidden, and
 * checks the address the socket actually reached. Validation cannot know what a name resolves to
 * when the request runs; this is what stops a partner name (or a DNS answer rebound between
 * validation and send) from reaching loopback, private ranges or cloud metadata.
 */

/** The error code of a connection refused by these rules: nothing was sent. */
export const DESTINATION_REFUSED = 'ERR_DESTINATION_REFUSED';

export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = DESTINATION_REFUSED;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup` (the system resolver, /etc/hosts included) with every answer judged by the policy. */
export function guardedLookup(policy: NetworkPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const named = hostProblem(hostname, policy);
    if (named) return callback(new DestinationRefusedError(named), '');
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.find(
        (a) => !allowed(classifyAddress(a.address) ?? { class: 'unusable', what: 'unreadable' }, policy),
      );
      if (refused) {
        const verdict = classifyAddress(refused.address);
        return callback(
          new DestinationRefusedError(
            `${hostname} resolves to ${refused.address}: ${hostProblem(refused.address, policy) ?? verdict?.what}`,
          ),
          '',
        );
      }
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function guardedConnector(policy: NetworkPolicy): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(policy), timeout: 10_000 });
  return (options, callback) => {
    const literal = hostProblem(options.hostname, policy);
    if (literal) return callback(new DestinationRefusedError(literal), null);
    connect(options, (...args) => {
      const [err, socket] = args;
      if (err) return callback(err, null);
      // The address the socket reached, whatever resolved it: the last word before a byte is sent.
      const remote = (socket as Socket).remoteAddress;
      const problem = remote ? hostProblem(remote, policy) : undefined;
      if (problem) {
        socket!.destroy();
        return callback(new DestinationRefusedError(`${options.hostname} connected to ${problem}`), null);
      }
      return callback(null, socket!);
    });
  };
}

const agents = new Map<boolean, Agent>();

/** The pooled agent for a policy (one per policy, kept for the process's life). */
export function agentFor(policy: NetworkPolicy): Agent {
  let agent = agents.get(policy.allowPrivateNetwork);
  if (!agent) {
    agent = new Agent({ connect: guardedConnector(policy), keepAliveTimeout: 4_000 });
    agents.set(policy.allowPrivateNetwork, agent);
  }
  return agent;
}

/**
 * Destinations the operator configured and the requester cannot choose (the CRM base URL, Slack
 * incoming webhooks, chat-ops response URLs on allowed origins): any address but cloud metadata
 * and unusable ranges, since an operator may well run a CRM on a private network.
 */
export const OPERATOR_CONFIGURED: NetworkPolicy = { allowPrivateNetwork: true };
