import type { ChangeRequest } from '../domain/change-request';
import { partnerDestinationProblem, type Partners } from '../domain/partners';
import type { FieldIssue } from '../domain/validation';
import type { RequestGuard } from './request-guard';

/**
 * Webhook steps only to configured partners: the step's partner must be one of the operator's
 * (WEBHOOK_PARTNERS), and its forward and compensating URLs, as written, on that partner's origins
 * and allowed by its network policy (src/domain/partners.ts). The worker checks the same again
 * before anything is sent, and once more at connect time after DNS resolution.
 */
export function partnerGuard(partners: Partners): RequestGuard {
  return {
    check(request: ChangeRequest): FieldIssue[] {
      const issues: FieldIssue[] = [];
      request.steps.forEach((step, index) => {
        if (step.target !== 'webhook') return;
        const at = `steps.${index}.spec`;
        const partner = partners.get(step.spec.partner);
        if (!partner) {
          issues.push({
            path: `${at}.partner`,
            message: `"${step.spec.partner}" is not a configured partner (WEBHOOK_PARTNERS)`,
          });
          return;
        }
        for (const phase of ['forward', 'compensate'] as const) {
          const template = step.spec[phase];
          const problem = template ? partnerDestinationProblem(template.url, partner) : undefined;
          if (problem) issues.push({ path: `${at}.${phase}.url`, message: problem });
        }
      });
      return issues;
    },
  };
}
