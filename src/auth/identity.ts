import { createHash } from 'node:crypto';
import { z } from 'zod';
import { actorSchema } from '../domain/actor';

/**
 * Who a caller is, as the interfaces assert it to the workflow: the actor and groups come from
 * configuration (a bearer token, a Slack user), never from the request body.
 */
export const roles = ['requester', 'approver', 'admin'] as const;
export type Role = (typeof roles)[number];

export const identitySchema = z.strictObject({
  actor: actorSchema,
  roles: z.array(z.enum(roles)).min(1).max(3),
  /** Groups the escalation levels name as deciders (e.g. `oncall`, `admin`). */
  groups: z.array(z.string().min(1).max(64)).max(20).default([]),
});

export type Identity = z.infer<typeof identitySchema>;

/**
 * What each role may do through the API and chat ops. The workflow still decides who may answer a
 * question at its current escalation level and enforces segregation of duties; roles only gate
 * which kind of request an identity may send at all.
 */
export const permissions = {
  read: ['requester', 'approver', 'admin'],
  start: ['requester', 'admin'],
  decide: ['approver', 'admin'],
  rollback: ['requester', 'approver', 'admin'],
  /** Start a change on behalf of someone else (requestedBy ≠ the caller's actor). */
  startOnBehalf: ['admin'],
  /** Attach a root-cause note to a settled change's report. */
  annotate: ['approver', 'admin'],
  /** See the values of targets (lead data in conflict samples and previews); others get them redacted. */
  readTargetValues: ['approver', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(identity: Identity, permission: Permission): boolean {
  return identity.roles.some((role) => (permissions[permission] as readonly Role[]).includes(role));
}

/**
 * The groups an identity decides and rolls back with, as interfaces assert them to the workflow:
 * its configured groups, and `admin` for the admin role, so the floor's default break-glass group
 * covers every admin whether or not its entry lists the group.
 */
export function decidingGroups(identity: Identity): string[] {
  return identity.roles.includes('admin') && !identity.groups.includes('admin')
    ? [...identity.groups, 'admin']
    : [...identity.groups];
}

/** sha256 hex of a secret token: tokens are looked up by hash, so configuration may hold hashes only. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Parses an environment variable holding JSON. Issues name the variable and the position in the
 * JSON, never the value (the value holds secrets).
 */
export function jsonEnv<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** One API token: the token itself or its sha256 (hex), and the identity it stands for. */
const apiTokenEntrySchema = identitySchema
  .extend({
    token: z.string().min(16, 'tokens need at least 16 characters').max(512).optional(),
    tokenSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
      .optional(),
  })
  .refine((entry) => (entry.token === undefined) !== (entry.tokenSha256 === undefined), {
    message: 'give exactly one of token or tokenSha256',
    path: ['token'],
  });

/** `API_TOKENS`: a JSON array of `{ token | tokenSha256, actor, roles, groups }`. */
export const apiTokensSchema = jsonEnv(z.array(apiTokenEntrySchema).max(1000)).transform((entries) => {
  const byHash = new Map<string, Identity>();
  for (const { actor, roles: r, groups, token, tokenSha256 } of entries) {
    byHash.set(token !== undefined ? tokenHash(token) : tokenSha256!, { actor, roles: r, groups });
  }
  return byHash;
});

/** `SLACK_USERS`: a JSON array of `{ slackUserId, actor, roles, groups }`. */
export const slackUsersSchema = jsonEnv(
  z
    .array(
      identitySchema.extend({
        slackUserId: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id such as U012AB3CD'),
      }),
    )
    .max(5000),
).transform((entries) => new Map(entries.map(({ slackUserId, ...identity }) => [slackUserId, identity])));
