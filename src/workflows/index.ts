// The workflow bundle's entry: every workflow type the worker registers.
export { changeWorkflow } from './change';
export { rehearsalWorkflow } from './rehearsal';
