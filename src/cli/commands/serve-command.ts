/**
 * `flowgate serve`: the database, migrated, with this process's workers running, and an HTTP server
 * (for now the health check; the REST API and web UI come later). Stops cleanly on SIGINT and
 * SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Command } from 'commander';

import { createFlowgate } from '../../app/flowgate.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { dbOption, pluginOption } from '../common-options.js';
import { DEFAULTS, ENV } from '../env.js';
import { ExitCode } from '../exit-code.js';
import { createHealthServer } from '../health-server.js';
import { loadPlugins } from '../load-plugins.js';
import { redactDbUrl } from '../redact-db-url.js';
import { messageOf } from '../report-error.js';
import { resolveDbUrl, resolvePort } from '../resolve-settings.js';
import { nextSignal } from '../next-signal.js';

interface ServeOptions {
  readonly db?: string;
  readonly port?: string;
  readonly host: string;
  /** Absent when no --plugin is given. */
  readonly plugin?: string[];
}

export function serveCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('serve')
    .description('run the server and the workers in one process')
    .addOption(dbOption())
    .option('--port <n>', `port to listen on (env ${ENV.port}; default ${DEFAULTS.port})`)
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', DEFAULTS.host)
    .addOption(pluginOption())
    .action(async (options: ServeOptions) => {
      ctx.setExitCode(await serve(options, ctx));
    });
}

async function serve(options: ServeOptions, ctx: CliContext): Promise<number> {
  const db = resolveDbUrl(options.db, ctx.env);
  const port = resolvePort(options.port, ctx.env);
  const plugins = await loadPlugins(options.plugin ?? []);
  const flowgate = await createFlowgate({
    db,
    plugins,
    onError: (error) => console.error(`warning: worker: ${messageOf(error)}`),
  });
  const server = createHealthServer(flowgate);
  try {
    await listen(server, port, options.host);
  } catch (error) {
    await flowgate.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  console.log(`Flowgate listening on http://${host}:${address.port}`);
  console.log(`Database ${redactDbUrl(db)}; workers running.`);

  const signal = await nextSignal();
  // A second signal while shutting down means "now": running nodes are taken again by another
  // worker once their lease runs out, so nothing is lost but time.
  const force = () => {
    console.error('Stopping at once.');
    process.exit(ExitCode.failed);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  console.log(`${signal}: stopping the workers and closing the database…`);
  await closeServer(server);
  await flowgate.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  console.log('Flowgate stopped.');
  return ExitCode.ok;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is in use`
          : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
            ? `${host} is not an address of this machine`
            : messageOf(error);
      reject(new CliError(`Cannot listen: ${reason}`, ExitCode.failed, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would hold `close` open until their clients hang up.
    server.closeAllConnections();
  });
}
