import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The project's custom search attributes: what operators filter on in the Temporal UI and what
 * the client lists changes by. The dev server registers exactly these; a real cluster needs them
 * created once (see README).
 */
export const ChangeIdKey = defineSearchAttributeKey('ChangeId', SearchAttributeType.KEYWORD);
export const ChangeStatusKey = defineSearchAttributeKey('ChangeStatus', SearchAttributeType.KEYWORD);
export const TargetsKey = defineSearchAttributeKey('Targets', SearchAttributeType.KEYWORD_LIST);
export const RequestedByKey = defineSearchAttributeKey('RequestedBy', SearchAttributeType.KEYWORD);
export const EscalationLevelKey = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT);

export const customSearchAttributes = [
  ChangeIdKey,
  ChangeStatusKey,
  TargetsKey,
  RequestedByKey,
  EscalationLevelKey,
] as const;
