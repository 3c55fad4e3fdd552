import { InvalidArgumentError } from 'commander';

/** A command-line argument that must be a whole number of 1 or more (versions, limits, intervals). */
export const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
