/**
 * `flowgate user add`: creates an account straight in the database, for the first admin of a server
 * or a script that provisions users. A generated password is printed once and never stored in clear.
 */
import { randomBytes } from 'node:crypto';

import { Option, type Command } from 'commander';

import { createAccounts, ROLES } from '../../app/accounts.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { dbOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { resolveDbUrl } from '../resolve-settings.js';
import { withClient } from '../with-client.js';

interface AddOptions {
  readonly db?: string;
  readonly role: string;
  readonly password?: string;
  readonly passwordStdin?: boolean;
  readonly email?: string;
  readonly fullName?: string;
}

export function userCommand(program: Command, ctx: CliContext): Command {
  const user = program.command('user').description('manage user accounts');

  user
    .command('add')
    .description('create a user (without a password option, one is generated and printed once)')
    .argument('<name>', 'the username')
    .addOption(
      new Option('--role <role>', 'what the user may do').choices([...ROLES]).makeOptionMandatory(),
    )
    .addOption(
      new Option('--password <password>', 'the password (visible in the process list)').conflicts(
        'passwordStdin',
      ),
    )
    .option('--password-stdin', 'read the password from standard input')
    .option('--email <email>', 'an e-mail address')
    .option('--full-name <name>', 'the full name')
    .addOption(dbOption())
    .action(async (name: string, options: AddOptions) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const given =
        options.passwordStdin === true ? await readPasswordFromStdin() : options.password;
      const password = given ?? randomBytes(18).toString('base64url');
      const created = await withClient(db, (flowgate) =>
        createAccounts(flowgate).createUser({
          username: name,
          password,
          role: options.role,
          ...(options.email === undefined ? {} : { email: options.email }),
          ...(options.fullName === undefined ? {} : { fullName: options.fullName }),
        }),
      );
      console.log(`Created user ${created.username} (${created.role}), id ${created.userId}.`);
      if (given === undefined) {
        console.log(`Password: ${password}`);
        console.log('It is shown only this once: keep it somewhere safe.');
      }
      ctx.setExitCode(ExitCode.ok);
    });
  return user;
}

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError('--password-stdin reads a pipe: echo "$PASSWORD" | flowgate user add …');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin read no password');
  return password;
}
