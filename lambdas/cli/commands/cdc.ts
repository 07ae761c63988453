/**
 * `freshindex cdc postgres init`: the SQL that sets up Postgres change capture (docs/cdc.md) for
 * the tables the config's `capture.postgres` names. Prints it, or applies it with `--apply`.
 */
import type { Command } from 'commander';
import { describeError } from '../../core/errors.ts';
import { contextOf, type CliIo } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

interface InitOptions {
  config?: string;
  apply?: boolean;
  url?: string;
  secret?: string;
}

export function cdcCommands(program: Command, io: CliIo): void {
  const cdc = program.command('cdc').description('Change data capture: set up the database side (docs/cdc.md)');
  const postgres = cdc.command('postgres').description('Postgres change capture: a trigger-fed change table read by the relay');
  postgres
    .command('init')
    .description('Print (or, with --apply, run) the SQL creating the freshindex schema, its change table and the triggers of capture.postgres.tables')
    .option('--config <file>', 'the config file (default $FRESHINDEX_CONFIG, then freshindex.config.ts)')
    .option('--apply', 'run the SQL (in one transaction) instead of printing it')
    .option('--url <url>', "with --apply: the database's postgres:// URL (default: capture.postgres.connection)")
    .option('--secret <id>', 'with --apply: a Secrets Manager secret in the RDS format (default: capture.postgres.connection)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  freshindex cdc postgres init > capture.sql',
        '  freshindex cdc postgres init --apply --url postgres://admin@localhost:5432/shop',
        '',
        'The SQL is idempotent: run it again after adding a table. Exit codes: 0 printed or applied, 1 the database refused it, 2 usage or bad config.',
      ].join('\n'),
    )
    .action(async (options: InitOptions, command: Command) => {
      const context = contextOf(command, io);
      if (!options.apply && (options.url || options.secret)) throw new CliError('--url and --secret need --apply', EXIT.usage);
      if (options.url && options.secret) throw new CliError('give --url or --secret, not both', EXIT.usage);
      const capture = await captureConfig(options.config, io);
      const { initSql } = await import('../../core/capture/init.ts');
      const sql = initSql(capture.tables);
      if (!options.apply) {
        context.print({ sql }, () => sql);
        return;
      }
      const { openCapturePool, applyCaptureSql } = await import('../../adapters/compose/capture.ts');
      const connection = options.secret ? { secretId: options.secret } : capture.connection;
      if (!options.url && 'env' in connection && connection.env !== undefined && !io.env[connection.env]) {
        throw new CliError(`$${connection.env} (the database URL the config names) is not set: set it, or pass --url or --secret`, EXIT.usage);
      }
      let pool: Awaited<ReturnType<typeof openCapturePool>> | undefined;
      try {
        pool = await openCapturePool({ connection, url: options.url, env: io.env });
        await applyCaptureSql(pool, sql);
      } catch (error) {
        throw new CliError(`applying the capture SQL failed: ${describeError(error)}`, EXIT.failure, { cause: error });
      } finally {
        await pool?.end();
      }
      const tables = capture.tables.map((entry) => entry.table);
      context.print({ applied: true, tables }, () => `change capture set up on ${tables.join(', ')}`);
    });
}

async function captureConfig(file: string | undefined, io: CliIo) {
  const { loadConfigFile, resolveConfigFile } = await import('../../adapters/config-file/index.ts');
  let loaded;
  try {
    loaded = await loadConfigFile(resolveConfigFile(file, io.env, io.cwd));
  } catch (error) {
    throw new CliError(describeError(error), EXIT.usage, { cause: error });
  }
  const capture = loaded.config.capture?.postgres;
  if (!capture) throw new CliError(`${loaded.path} has no capture.postgres section (docs/cdc.md)`, EXIT.usage);
  return capture;
}
