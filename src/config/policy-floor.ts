import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { jsonEnv } from '../auth/identity';
import { builtInFloor, policyFloorSchema, type LoadedFloor, type PolicyFloor } from '../domain/policy-floor';

/** Compose files pass unset variables as empty strings (`${X:-}`): those mean "not set". */
const unsetIfEmpty = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema);

/** A JSON or YAML file (by extension) holding the floor; issues name the field inside the file. */
const floorFileSchema = z
  .string()
  .min(1)
  .transform((file, ctx): { file: string; floor: PolicyFloor } => {
    let data: unknown;
    try {
      const text = fs.readFileSync(file, 'utf8');
      data = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read ${file} as ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
      });
      return z.NEVER;
    }
    const parsed = policyFloorSchema.safeParse(data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path as (string | number)[], message: issue.message });
      return z.NEVER;
    }
    return { file, floor: parsed.data };
  });

/** Environment variables of the operator's policy floor (worker, API and CLI read the same). */
export const policyFloorSettingsSchema = {
  /** The floor as JSON, e.g. `{"approval":{"risks":["medium","high"],"targets":["webhook"]},"deciders":{"groups":["change-board"]}}`. */
  POLICY_FLOOR: unsetIfEmpty(jsonEnv(policyFloorSchema).optional()),
  /** The floor in a JSON or YAML file (`.yaml`/`.yml`); read once at start. */
  POLICY_FLOOR_FILE: unsetIfEmpty(floorFileSchema.optional()),
};

type FloorSettings = { POLICY_FLOOR?: PolicyFloor; POLICY_FLOOR_FILE?: { file: string; floor: PolicyFloor } };

/** Only one of the two may be set: a floor has one source, named in every change's status. */
export function checkFloorSettings(config: FloorSettings, ctx: z.core.$RefinementCtx): void {
  if (config.POLICY_FLOOR && config.POLICY_FLOOR_FILE)
    ctx.addIssue({
      code: 'custom',
      path: ['POLICY_FLOOR_FILE'],
      message: 'must not be set together with POLICY_FLOOR: give the floor one way',
    });
}

/** The floor the configuration names, or the built-in one. */
export function policyFloorOf(config: FloorSettings): LoadedFloor {
  if (config.POLICY_FLOOR) return { floor: config.POLICY_FLOOR, source: 'POLICY_FLOOR' };
  if (config.POLICY_FLOOR_FILE)
    return { floor: config.POLICY_FLOOR_FILE.floor, source: `POLICY_FLOOR_FILE ${config.POLICY_FLOOR_FILE.file}` };
  return builtInFloor;
}
