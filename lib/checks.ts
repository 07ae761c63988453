import { Duration, Token } from 'aws-cdk-lib';

/**
 * Collects every prop conflict of a construct, then throws them all at once (the
 * aws-solutions-constructs `CheckProps` pattern), so a user fixes their props in one go.
 */
export class PropChecks {
  private readonly problems: string[] = [];

  /** @param where the construct path or name, prefixed to the error */
  constructor(private readonly where: string) {}

  /** Records `message` unless `ok`. */
  require(ok: boolean, message: string): this {
    if (!ok) this.problems.push(message);
    return this;
  }

  /** Records a problem when a (resolved) number lies outside `[min, max]`. Tokens are not checked. */
  inRange(name: string, value: number | undefined, min: number, max: number): this {
    if (value === undefined || Token.isUnresolved(value)) return this;
    return this.require(Number.isInteger(value) && value >= min && value <= max, `${name} must be an integer in [${min}, ${max}] (got ${value})`);
  }

  /** Records a problem when a duration lies outside `[min, max]` seconds. */
  durationInRange(name: string, value: Duration | undefined, min: number, max: number): this {
    if (value === undefined || value.isUnresolved()) return this;
    const seconds = value.toSeconds();
    return this.require(seconds >= min && seconds <= max, `${name} must be between ${min} and ${max} seconds (got ${seconds})`);
  }

  /** Throws one `Error` listing every recorded problem, if any. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    throw new Error(`${this.where}: invalid props:\n  - ${this.problems.join('\n  - ')}`);
  }
}
