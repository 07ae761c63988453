import { validateConfig } from '../../lambdas/core/config/index.ts';
import { ConfigError } from '../../lambdas/core/errors.ts';

/** The problems a config fails with, one line each; throws when the config is accepted. */
export function configProblems(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config was accepted');
}
