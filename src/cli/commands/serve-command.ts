/**
 * `flowgate serve`: the database, migrated, with this process's workers running, and the HTTP API
 * (src/http). On a first start it creates the user `admin` (password from FLOWGATE_ADMIN_PASSWORD,
 * or generated and printed once). Stops cleanly on SIGINT and SIGTERM: the server closes first,
 * then the workers and the database.
 */
import type { AddressInfo } from 'node:net';

import type { Command } from 'commander';

import { createFlowgate, type Flowgate } from '../../app/flowgate.js';
import { createAccounts } from '../../app/accounts.js';
import { buildServer, type FlowgateServer } from '../../http/build-server.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { dbOption, pluginOption } from '../common-options.js';
import { loadConfig, SETTINGS, type Config } from '../../config/index.js';
import { DEFAULTS, ENV } from '../env.js';
import { ExitCode } from '../exit-code.js';
import { loadPlugins } from '../load-plugins.js';
import { chatOptions, mailOptions, outboundOptions } from '../mail-options.js';
import { retentionOptions } from '../retention-options.js';
import { redactDbUrl } from '../redact-db-url.js';
import { messageOf } from '../report-error.js';
import { nextSignal } from '../next-signal.js';

interface ServeOptions {
  readonly db?: string;
  readonly port?: string;
  readonly host?: string;
  readonly concurrency?: string;
  /** Absent when no --plugin is given. */
  readonly plugin?: string[];
}

export function serveCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('serve')
    .description('run the server and the workers in one process')
    .addOption(dbOption())
    .option('--port <n>', `port to listen on (env ${ENV.port}; default ${DEFAULTS.port})`)
    .option(
      '--host <host>',
      `address to listen on (0.0.0.0 for every interface; env ${SETTINGS.host.env}; default ${DEFAULTS.host})`,
    )
    .option(
      '--concurrency <n>',
      `nodes this process runs at once (env ${SETTINGS.concurrency.env}; default ${SETTINGS.concurrency.default})`,
    )
    .addOption(pluginOption())
    .addHelpText(
      'after',
      `\nEnvironment:\n` +
        `  ${ENV.jwtSecret}      signs access tokens (32+ characters); without it a random key\n` +
        `                           is made per start, so access tokens do not survive a restart\n` +
        `  ${ENV.adminPassword}  the password of the user admin created on a first start;\n` +
        `                           without it one is generated and printed once\n` +
        `  ${SETTINGS.logLevel.env}       ${SETTINGS.logLevel.schema.options.join(', ')} (default ${SETTINGS.logLevel.default})\n` +
        `  ${SETTINGS.trustProxy.env}     true behind a reverse proxy (client address from X-Forwarded-For)\n` +
        `All settings: docs/configuration.md`,
    )
    .action(async (options: ServeOptions) => {
      ctx.setExitCode(await serve(options, ctx));
    });
}

async function serve(options: ServeOptions, ctx: CliContext): Promise<number> {
  const config = loadConfig({
    flags: {
      db: options.db,
      port: options.port,
      host: options.host,
      concurrency: options.concurrency,
    },
    env: ctx.env,
  });
  const plugins = await loadPlugins(options.plugin ?? []);
  const flowgate = await createFlowgate({
    db: config.db,
    plugins,
    workers: { concurrency: config.concurrency },
    mail: mailOptions(config),
    outbound: outboundOptions(config),
    chat: chatOptions(config),
    retention: retentionOptions(config),
    onError: (error) => console.error(`warning: worker: ${messageOf(error)}`),
  });
  let server: FlowgateServer | undefined;
  try {
    server = await startServer(flowgate, config);
    await listen(server, config.port, config.host);
  } catch (error) {
    await server?.close();
    await flowgate.close();
    throw error;
  }
  // Listen for the stop signals before saying that we are up: a supervisor may send one the moment it reads that.
  const stopSignal = nextSignal();
  const address = server.server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  console.log(`Flowgate listening on http://${host}:${address.port}`);
  console.log(`Database ${redactDbUrl(config.db)}; workers running.`);

  const signal = await stopSignal;
  // A second signal while shutting down means "now": running nodes are taken again by another
  // worker once their lease runs out, so nothing is lost but time.
  const force = () => {
    console.error('Stopping at once.');
    process.exit(ExitCode.failed);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  console.log(`${signal}: stopping the workers and closing the database…`);
  // Fastify's close waits for requests in flight and drops idle keep-alive connections.
  await server.close();
  await flowgate.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  console.log('Flowgate stopped.');
  return ExitCode.ok;
}

/** The account service, the first admin, and the HTTP server (not yet listening). */
async function startServer(flowgate: Flowgate, config: Config): Promise<FlowgateServer> {
  // Without a configured key, a random one per start: access tokens then do not survive a
  // restart (clients refresh or sign in again), which is safe but inconvenient for several
  // processes; set FLOWGATE_JWT_SECRET for those.
  const auth = createAccounts(flowgate, config.jwtSecret ? { jwtSecret: config.jwtSecret } : {});
  const { adminPassword } = config;
  const admin = await auth.ensureAdmin(adminPassword ? { password: adminPassword } : {});
  if (admin.generatedPassword !== undefined) {
    console.log(`Created user ${admin.username} with password ${admin.generatedPassword}`);
    console.log('It is shown only this once: sign in and change it.');
  } else if (admin.created) {
    console.log(`Created user ${admin.username} with the password of ${ENV.adminPassword}.`);
  }
  return buildServer({
    flowgate,
    auth,
    // Server faults (500s, with their stacks) and warnings, as JSON lines on stderr.
    logger: { level: config.logLevel, stream: process.stderr },
    trustProxy: config.trustProxy,
  });
}

async function listen(server: FlowgateServer, port: number, host: string): Promise<void> {
  try {
    await server.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is in use`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `${host} is not an address of this machine`
          : messageOf(error);
    throw new CliError(`Cannot listen: ${reason}`, ExitCode.failed, { cause: error });
  }
}
