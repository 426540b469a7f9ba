/** ACL and its subcommands (acl.c aclCommand()). */
import type { Client } from '../server/client.js';
import {
  ACL_CATEGORIES,
  CMD_MODULE,
  cmd,
  type Command,
} from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { getLongLong } from './args.js';
import { redactArgument } from './client.js';
import {
  ACL_DENIED_AUTH,
  ACL_DENIED_CHANNEL,
  ACL_DENIED_CMD,
  ACL_DENIED_KEY,
  ACL_LOG_CTX_LUA,
  ACL_LOG_CTX_MODULE,
  ACL_LOG_CTX_MULTI,
  ACL_LOG_CTX_TOPLEVEL,
  ACL_OK,
  aclHasSpaces,
  randomHexChars,
  type Selector,
} from '../server/acl.js';

/** The argument as a C string (%s stops at a NUL byte). */
function cs(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

function syntaxError(argv: string[]): RedisError {
  return new RedisError(
    `unknown subcommand or wrong number of arguments for '${cs(argv[1]).slice(0, 128)}'. Try ${cs(argv[0]).toUpperCase()} HELP.`,
  );
}

function setuserCommand(c: Client, argv: string[]): void {
  // Nothing of the rules (passwords!) shows in SLOWLOG or MONITOR.
  for (let j = 2; j < argv.length; j++) redactArgument(c, j);
  const name = argv[2];
  if (aclHasSpaces(name)) throw new RedisError("Usernames can't contain spaces or null characters");
  const err = c.server.acl.setUser(name, argv.slice(3));
  if (err !== null) throw new RedisError(err);
  c.addReplyOK();
}

function deluserCommand(c: Client, argv: string[]): void {
  for (let j = 2; j < argv.length; j++) {
    if (argv[j] === 'default') throw new RedisError("The 'default' user cannot be removed");
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) if (c.server.acl.deleteUser(argv[j])) deleted++;
  c.addReplyLongLong(deleted);
}

/** aclAddReplySelectorDescription(): commands, keys, channels. */
function addReplySelector(c: Client, s: Selector): number {
  c.addReplyBulk('commands');
  c.addReplyBulk(s.describeCommands());
  c.addReplyBulk('keys');
  c.addReplyBulk(s.keysField());
  c.addReplyBulk('channels');
  c.addReplyBulk(s.channelsField());
  return 3;
}

function getuserCommand(c: Client, argv: string[]): void {
  const u = c.server.acl.getUser(argv[2]);
  if (u === undefined) {
    c.addReplyNull();
    return;
  }
  let fields = 3;
  const ufields = c.addReplyDeferredLen();
  c.addReplyBulk('flags');
  const flags = u.flagNames();
  c.addReplySetLen(flags.length);
  for (const f of flags) c.addReplyBulk(f);
  c.addReplyBulk('passwords');
  c.addReplyArrayLen(u.passwords.length);
  for (const p of u.passwords) c.addReplyBulk(p);
  fields += addReplySelector(c, u.root);
  c.addReplyBulk('selectors');
  c.addReplyArrayLen(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    c.addReplyMapLen(3);
    addReplySelector(c, u.selectors[i]);
  }
  c.setDeferredMapLen(ufields, fields);
}

function listCommand(c: Client): void {
  const users = c.server.acl.sortedUsers();
  c.addReplyArrayLen(users.length);
  for (const u of users) c.addReplyBulk(`user ${u.name} ${u.describe()}`);
}

function usersCommand(c: Client): void {
  const users = c.server.acl.sortedUsers();
  c.addReplyArrayLen(users.length);
  for (const u of users) c.addReplyBulk(u.name);
}

function whoamiCommand(c: Client): void {
  c.addReplyBulk(c.user.name);
}

const NO_ACLFILE =
  'This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function loadCommand(c: Client): void {
  if (c.server.config.str('aclfile') === '') throw new RedisError(NO_ACLFILE);
  const errors = c.server.acl.loadFromFile();
  if (errors !== null) throw new RedisError(errors);
  c.addReplyOK();
}

function saveCommand(c: Client): void {
  if (c.server.config.str('aclfile') === '') throw new RedisError(NO_ACLFILE);
  if (!c.server.acl.saveToFile()) {
    throw new RedisError('There was an error trying to save the ACLs. Please check the server logs for more information');
  }
  c.addReplyOK();
}

function catCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    c.addReplyArrayLen(ACL_CATEGORIES.length);
    for (const cat of ACL_CATEGORIES) c.addReplyBulk(cat);
    return;
  }
  if (argv.length !== 3) throw syntaxError(argv);
  const name = cs(argv[2]).toLowerCase();
  if (!(ACL_CATEGORIES as readonly string[]).includes(name)) {
    throw new RedisError(`Unknown category '${cs(argv[2]).slice(0, 128)}'`);
  }
  const names: string[] = [];
  const visit = (x: Command): void => {
    if (x.flags & CMD_MODULE) return;
    if (x.aclCategories.includes(name)) names.push(x.fullname);
  };
  for (const top of c.server.acl.index.top) {
    visit(top);
    if (top.subcommands) for (const s of top.subcommands.values()) visit(s);
  }
  c.addReplyArrayLen(names.length);
  for (const n of names) c.addReplyBulk(n);
}

const GENPASS_MAX_BITS = 4096;

function genpassCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw syntaxError(argv);
  let bits = 256;
  if (argv.length === 3) bits = getLongLong(argv[2]);
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    throw new RedisError(
      `ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`,
    );
  }
  c.addReplyBulk(randomHexChars(Math.floor((bits + 3) / 4)));
}

const REASONS: Record<number, string> = {
  [ACL_DENIED_CMD]: 'command',
  [ACL_DENIED_KEY]: 'key',
  [ACL_DENIED_CHANNEL]: 'channel',
  [ACL_DENIED_AUTH]: 'auth',
};

const CONTEXTS: Record<number, string> = {
  [ACL_LOG_CTX_TOPLEVEL]: 'toplevel',
  [ACL_LOG_CTX_MULTI]: 'multi',
  [ACL_LOG_CTX_LUA]: 'lua',
  [ACL_LOG_CTX_MODULE]: 'module',
};

function logCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw syntaxError(argv);
  const acl = c.server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (cs(argv[2]).toLowerCase() === 'reset') {
      acl.log = [];
      c.addReplyOK();
      return;
    }
    count = getLongLong(argv[2]);
    if (count < 0) count = 0;
  }
  count = Math.min(count, acl.log.length);
  c.addReplyArrayLen(count);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const le = acl.log[i];
    c.addReplyMapLen(7);
    c.addReplyBulk('count');
    c.addReplyLongLong(le.count);
    c.addReplyBulk('reason');
    c.addReplyBulk(REASONS[le.reason] ?? 'unknown');
    c.addReplyBulk('context');
    c.addReplyBulk(CONTEXTS[le.context] ?? 'unknown');
    c.addReplyBulk('object');
    c.addReplyBulk(le.object);
    c.addReplyBulk('username');
    c.addReplyBulk(le.username);
    c.addReplyBulk('age-seconds');
    c.addReplyDouble((now - le.ctime) / 1000);
    c.addReplyBulk('client-info');
    c.addReplyBulk(le.cinfo);
  }
}

function dryrunCommand(c: Client, argv: string[]): void {
  const acl = c.server.acl;
  const u = acl.getUser(argv[2]);
  if (u === undefined) throw new RedisError(`User '${cs(argv[2])}' not found`);
  const sub = argv.slice(3);
  const target = c.server.commands.lookup(sub);
  if (target === undefined) throw new RedisError(`Command '${cs(argv[3])}' not found`);
  if ((target.arity > 0 && target.arity !== sub.length) || sub.length < -target.arity) {
    throw new RedisError(`wrong number of arguments for '${target.fullname}' command`);
  }
  const { result, pos } = acl.dryRun(u, target, sub);
  if (result === ACL_OK) {
    c.addReplyOK();
    return;
  }
  let msg: string;
  if (result === ACL_DENIED_CMD) msg = `This user has no permissions to run the '${target.fullname}' command`;
  else if (result === ACL_DENIED_KEY) msg = `This user has no permissions to access the '${cs(sub[pos])}' key`;
  else msg = `This user has no permissions to access the '${cs(sub[pos])}' channel`;
  c.addReplyBulk(msg);
}

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

function helpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0], HELP);
}

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;
const PLAIN = ['noscript', 'loading', 'stale'] as const;

export const aclCommands: CommandSpec[] = [
  cmd('acl', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('cat', -2, [...PLAIN], [0, 0, 0], { handler: catCommand }),
      cmd('deluser', -3, [...ADMIN], [0, 0, 0], { handler: deluserCommand }),
      cmd('dryrun', -4, [...ADMIN], [0, 0, 0], { handler: dryrunCommand }),
      cmd('genpass', -2, [...PLAIN], [0, 0, 0], { handler: genpassCommand }),
      cmd('getuser', 3, [...ADMIN], [0, 0, 0], { handler: getuserCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: helpCommand }),
      cmd('list', 2, [...ADMIN], [0, 0, 0], { handler: listCommand }),
      cmd('load', 2, [...ADMIN], [0, 0, 0], { handler: loadCommand }),
      cmd('log', -2, [...ADMIN], [0, 0, 0], { handler: logCommand }),
      cmd('save', 2, [...ADMIN], [0, 0, 0], { handler: saveCommand }),
      cmd('setuser', -3, [...ADMIN], [0, 0, 0], { handler: setuserCommand }),
      cmd('users', 2, [...ADMIN], [0, 0, 0], { handler: usersCommand }),
      cmd('whoami', 2, [...PLAIN], [0, 0, 0], { handler: whoamiCommand }),
    ],
  }),
];
