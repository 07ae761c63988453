import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';

const http = { type: 'http', itemUrl: 'http://cms/videos/{id}', pageUrl: 'http://cms/videos?cursor={cursor}' };
const video = { name: 'video', source: http, transform: (doc: object) => doc, version: () => 1 };

describe('config validation', () => {
  it('fills in the documented defaults', () => {
    const config = validateConfig({ types: [video] });
    expect(config.types[0]).toMatchObject({ settleDelaySeconds: 60, quarantineThreshold: 3, rebuild: { schedule: 'cron(0 3 * * ? *)' } });
    expect(config.store).toEqual({ type: 'dynamodb' });
  });

  it('names every problem at once, with the type and the field', () => {
    const error = catchConfigError({
      types: [
        { ...video, name: 'Video', transform: 'not a function' },
        { ...video, name: 'article', settleDelaySeconds: 1200, source: { type: 'http', itemUrl: 'http://cms/x' } },
      ],
    });
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^types\[0\]\(Video\)\.name: /),
        expect.stringMatching(/^types\[0\]\(Video\)\.transform: must be a function/),
        expect.stringMatching(/^types\[1\]\(article\)\.settleDelaySeconds: .*900/),
        expect.stringMatching(/^types\[1\]\(article\)\.source\.itemUrl: must contain \{id\}/),
        expect.stringMatching(/^types\[1\]\(article\)\.source\.pageUrl: /),
      ]),
    );
    expect(error.problems).toHaveLength(5);
  });

  it('refuses two types of one name', () => {
    expect(catchConfigError({ types: [video, video] }).problems).toEqual([expect.stringContaining('duplicate type name "video"')]);
  });

  it('refuses unknown keys, so a misspelt option is not ignored', () => {
    expect(catchConfigError({ types: [{ ...video, setleDelaySeconds: 5 }] }).problems[0]).toMatch(/setleDelaySeconds/);
  });

  it('refuses an unknown source type', () => {
    expect(catchConfigError({ types: [{ ...video, source: { type: 'ftp' } }] }).problems[0]).toMatch(/types\[0\]\(video\)\.source\.type/);
  });

  it('refuses an HTTP auth naming both a secret and an environment variable', () => {
    const source = { ...http, auth: { secretId: 'cms-token', env: 'CMS_TOKEN' } };
    expect(catchConfigError({ types: [{ ...video, source }] }).problems[0]).toMatch(/exactly one of secretId or env/);
  });
});

function catchConfigError(input: unknown): ConfigError {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
