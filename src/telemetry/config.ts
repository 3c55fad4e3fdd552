import { z } from 'zod';
import { parseOrThrow } from '../domain/validation';
import { plainEnv } from '../domain/safe-keys';

/** The spec's booleans: only "true" (any case) is true. */
const otelBoolean = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '']))
  .transform((value) => value === 'true');

/**
 * The standard OpenTelemetry variables tracing reads, and nothing of its own (docs/tracing.md).
 * The OTLP exporter reads the rest of its OTEL_EXPORTER_OTLP_* settings (headers, timeout,
 * compression) itself.
 */
export const tracingEnvShape = {
  /** `true` turns tracing off whatever else is set. */
  OTEL_SDK_DISABLED: otelBoolean.optional(),
  /** `otlp` (the only exporter) or `none`; `otlp` alone exports to the spec's default, http://localhost:4318. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  /** OTLP over HTTP: the collector's base URL; traces go to `/v1/traces` under it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** OTLP over HTTP: the full traces URL, overriding OTEL_EXPORTER_OTLP_ENDPOINT for traces. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  /** The `service.name` of the spans; default per process (lead-rollback-worker, -api, -cli). */
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(200).optional(),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  /** The ratio of the `traceidratio` samplers, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
};

const tracingEnvSchema = z.object(tracingEnvShape);

export type SamplerName = z.output<typeof tracingEnvShape.OTEL_TRACES_SAMPLER>;

/** What to sample: a sampler of the spec by name, and the ratio of the `traceidratio` ones. */
export interface SamplerSpec {
  name: SamplerName;
  ratio: number;
}

export type TracingSettings = { enabled: false } | { enabled: true; serviceName: string; sampler: SamplerSpec };

/**
 * Tracing is off unless an OTLP destination is configured: nothing set means no tracer provider,
 * no exporter and no span beyond the API's no-ops.
 */
export function tracingSettingsFromEnv(
  defaultServiceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TracingSettings {
  const parsed = parseOrThrow(tracingEnvSchema, plainEnv(env), 'tracing configuration (OTEL_*)');
  const configured =
    parsed.OTEL_TRACES_EXPORTER === 'otlp' ||
    parsed.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
    parsed.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  if (parsed.OTEL_SDK_DISABLED === true || parsed.OTEL_TRACES_EXPORTER === 'none' || !configured)
    return { enabled: false };
  return {
    enabled: true,
    serviceName: parsed.OTEL_SERVICE_NAME ?? defaultServiceName,
    sampler: { name: parsed.OTEL_TRACES_SAMPLER, ratio: parsed.OTEL_TRACES_SAMPLER_ARG ?? 1 },
  };
}
