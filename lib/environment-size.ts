/**
 * Lambda refuses a function whose environment variables (names and values) pass 4 KB in all, and
 * says so only when CloudFormation creates it. This estimates the size at synth, so `cdk synth`
 * names the problem instead.
 */

/** What Lambda allows for a function's environment variables, names and values together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * What a value known only at deploy time (a `Ref`, an attribute, an import) is counted as: the
 * longest queue URL (`https://sqs.<region>.amazonaws.com/<account>/` and an 80-character name),
 * about the length of the ARNs and names the functions carry.
 */
export const DEPLOY_TIME_VALUE_BYTES = 132;

/** The estimated bytes of one resolved CloudFormation value: strings as they are, joins part by part, other intrinsics at {@link DEPLOY_TIME_VALUE_BYTES}. */
export function estimatedBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  const join = value && typeof value === 'object' ? (value as Record<string, unknown>)['Fn::Join'] : undefined;
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1] as unknown[];
    return parts.reduce<number>((sum, part) => sum + estimatedBytes(part), 0) + Buffer.byteLength(join[0]) * Math.max(0, parts.length - 1);
  }
  return DEPLOY_TIME_VALUE_BYTES;
}

/**
 * The problem with a function's resolved environment, if its estimated size passes what Lambda
 * allows: the estimate and the largest variables, so the user sees what to cut.
 */
export function environmentProblem(variables: Readonly<Record<string, unknown>>): string | undefined {
  const sizes = Object.entries(variables).map(([name, value]) => ({ name, bytes: Buffer.byteLength(name) + estimatedBytes(value) }));
  const total = sizes.reduce((sum, size) => sum + size.bytes, 0);
  if (total <= LAMBDA_ENVIRONMENT_BYTES) return undefined;
  const largest = sizes
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((size) => `${size.name} (about ${size.bytes} bytes)`)
    .join(', ');
  return (
    `its environment variables would take about ${total} bytes (values known only at deploy time counted at ${DEPLOY_TIME_VALUE_BYTES}), ` +
    `over the ${LAMBDA_ENVIRONMENT_BYTES} bytes Lambda allows; the largest: ${largest}. ` +
    "The ops API's FRESHINDEX_DEAD_LETTERS_OWN_APPLY grows by about 330 bytes per type with delivery.queue 'own' (docs/ops-api.md)"
  );
}
