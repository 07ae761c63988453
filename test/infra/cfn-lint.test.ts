/**
 * cfn-lint on the synthesized templates of both stores (scripts/cfn-lint.sh, also `npm run
 * lint:cfn`). It runs here, among the other test files, rather than as a step after them:
 * its two `cdk synth` runs share the workers with the rest of the suite instead of adding
 * their minute to the end of it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const REPO = new URL('../../', import.meta.url);
/** The script fails without cfn-lint on CI and only says so elsewhere (as `npm run lint:cfn` does). */
const linted = process.env['CI'] === 'true' || spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;

describe('scripts/cfn-lint.sh', () => {
  it(linted ? 'finds no cfn-lint error in the four templates of the DynamoDB and the Redis store' : 'says cfn-lint is missing instead of linting', async () => {
    const { stdout, stderr } = await exec('bash', ['scripts/cfn-lint.sh'], { cwd: REPO, maxBuffer: 32 * 1024 * 1024 });

    if (linted) expect(stdout).toMatch(/^cfn-lint: 4 template\(s\) \(DynamoDB and Redis stores\), no errors/m);
    else expect(stderr).toContain('cfn-lint not found');
  }, 420_000);
});
