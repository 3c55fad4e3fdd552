// Real HTTP peers for tests, the demo and the crash campaign: a HubSpot-compatible CRM and a
// webhook receiver, both on loopback, with request logs and fault injection.
export { startCrmPeer, CrmPeerState, type CrmPeer, type CrmPeerOptions } from './crm-peer';
export { startWebhookPeer, type WebhookPeer, type WebhookPeerOptions, type WebhookDelivery } from './webhook-peer';
export { FaultInjector, faultConfigSchema, type FaultConfig, type FaultConfigInput, type FaultKind } from './faults';
export type { PeerRequest, PeerStats, KeyStats } from './server';
