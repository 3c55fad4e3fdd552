import type { Attributes, Context, Link } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * The span attributes that may leave the process; every other attribute is dropped before export.
 *
 * An allow-list, not a deny-list: spans come from code this project does not own (the Temporal
 * interceptors copy the whole workflow info, memo and search attributes included, onto workflow
 * spans), and a new attribute a library adds tomorrow must not carry a lead value, a secret, a
 * header or a URL with its query (webhook URLs carry tokens) to the collector. What is kept are
 * ids, names the code defines and HTTP shapes: method, route template, status, host and port.
 */
export const EXPORTED_ATTRIBUTES: ReadonlySet<string> = new Set([
  // Temporal interceptors
  'temporalWorkflowId',
  'run_id',
  'temporalActivityId',
  'temporalUpdateId',
  // the workflow info the workflow span exporter adds
  'workflowId',
  'runId',
  'workflowType',
  'taskQueue',
  'namespace',
  'attempt',
  // HTTP, server (src/api/tracing.ts) and client (src/http/sender.ts)
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.scheme',
  'server.address',
  'server.port',
  'error.type',
  // the product's own
  'lead_rollback.change_id',
  'lead_rollback.delivery',
]);

/** Of an exception event only its type is kept: messages and stacks can quote what failed. */
const EXPORTED_EVENT_ATTRIBUTES: ReadonlySet<string> = new Set(['exception.type']);

function keep(attributes: Attributes, allowed: ReadonlySet<string>): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!allowed.has(key)) continue;
    // Only plain values: objects (a memo, a Date) have no business in an attribute.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') kept[key] = value;
  }
  return kept;
}

/**
 * The span as it may be exported: allowed attributes only, exception events reduced to their type,
 * no status message (it is the error's message), links without attributes.
 */
export function sanitizeSpan(span: ReadableSpan): ReadableSpan {
  const attributes = keep(span.attributes, EXPORTED_ATTRIBUTES);
  const events: TimedEvent[] = span.events
    .filter((event) => event.name === 'exception')
    .map((event) => ({ ...event, attributes: keep(event.attributes ?? {}, EXPORTED_EVENT_ATTRIBUTES) }));
  const links: Link[] = span.links.map((link) => ({ context: link.context }));
  const status = { code: span.status.code };
  const spanContext = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => spanContext,
    parentSpanId: span.parentSpanId,
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes,
    links,
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationLibrary: span.instrumentationLibrary,
    droppedAttributesCount:
      span.droppedAttributesCount + Object.keys(span.attributes).length - Object.keys(attributes).length,
    droppedEventsCount: span.droppedEventsCount + span.events.length - events.length,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Sanitises every span on its way to `next` (the batching exporter), whoever made it. */
export class SanitizingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.next.onEnd(sanitizeSpan(span));
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
