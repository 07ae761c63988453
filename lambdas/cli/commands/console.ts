/**
 * `freshindex console`: the live console in a browser. With `--endpoint URL`, a server on
 * 127.0.0.1 serves the page and proxies its calls to the deployed ops API, signed with SigV4
 * (lambdas/console/proxy.ts); without, it prints the local runtime's console URL.
 */
import { Option, type Command } from 'commander';
import { contextOf, type CliIo } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

interface ConsoleOptions {
  port: number;
}

/** Adds `console` to the program. */
export function consoleCommand(program: Command, io: CliIo): void {
  program
    .command('console')
    .description('open the live console: with --endpoint, serve it on 127.0.0.1 and proxy its calls to the deployed ops API, signed with your AWS credentials (SigV4)')
    .addOption(new Option('--port <port>', 'port of the console server (with --endpoint; 0 picks a free one)').default(4570).argParser(portOf))
    .addHelpText('after', '\nThe local runtime serves the console itself (`npm start` prints its URL). Ctrl-C stops the server. Docs: docs/console.md')
    .action(async (options: ConsoleOptions, command: Command) => {
      const context = contextOf(command, io);
      const { deployedEndpoint } = await import('../target.ts');
      const deployed = deployedEndpoint(context.globals, io.env);
      if (!deployed) {
        const target = await context.target();
        io.out(`freshindex: the local runtime serves the console at ${target.state?.apiUrl}/console/\n`);
        return;
      }
      const [{ startConsoleProxy }, { createSigner }] = await Promise.all([import('../../console/proxy.ts'), import('../http.ts')]);
      let proxy;
      try {
        proxy = await startConsoleProxy({
          endpoint: deployed.url.href,
          signer: deployed.sigv4 ? createSigner(deployed.sigv4) : undefined,
          port: options.port,
          timeoutMs: (context.globals.timeout ?? 30) * 1000,
          log: (line) => io.err(`freshindex console: ${line}\n`),
        });
      } catch (error) {
        const inUse = (error as { code?: string }).code === 'EADDRINUSE';
        throw new CliError(inUse ? `port ${options.port} is in use: pick another with --port` : `the console server could not start: ${String(error)}`, EXIT.failure, { cause: error });
      }
      io.out(`freshindex console: ${proxy.url} (calls go to ${deployed.url.href}${deployed.sigv4 ? `, signed for ${deployed.sigv4.region}` : ''}); Ctrl-C stops it\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await proxy.close();
    });
}

function portOf(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliError(`--port must be a port number, got "${value}"`, EXIT.usage);
  return port;
}
