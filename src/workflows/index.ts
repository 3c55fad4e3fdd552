// The workflow bundle's entry: every workflow type the worker registers.
export { changeWorkflow } from './change';
export { previewRollbackWorkflow } from './preview';
export { rollbackLaterWorkflow } from './rollback-later';
export { rehearsalWorkflow } from './rehearsal';
