/**
 * The directives of Redis 7.0 (config.c's standardConfig table): name,
 * alias, type, default and bounds. Nodis acts on some and stores the rest so
 * that CONFIG GET/SET and config files written for Redis keep working.
 */
import type { Config, ConfigValue } from './config.js';

export interface ConfigDef {
  name: string;
  alias?: string;
  type: 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'octal';
  /** Default in redis.conf syntax. */
  default: string;
  min?: number;
  max?: number;
  enumValues?: string[];
  /** Accepts "N%" (stored negated, like Redis's PERCENT_CONFIG). */
  percent?: boolean;
  immutable?: boolean;
  protectedConfig?: boolean;
  /** Custom multi-argument parsing (save, bind, client-output-buffer-limit...). */
  parse?: (args: string[], cfg: Config) => ConfigValue;
  format?: (v: ConfigValue) => string;
  /** Extra validation; returns Redis's reason text on failure. */
  validate?: (v: ConfigValue, cfg: Config) => string | null;
}

const LLMAX = Number.MAX_SAFE_INTEGER;
const INTMAX = 2147483647;

export const CONFIG_DEFS: ConfigDef[] = [
  { name: 'port', type: 'int', default: '6379', min: 0, max: 65535 },
  {
    name: 'bind',
    type: 'string',
    default: '* -::*',
    parse: (args) => args.join(' ').trim(),
  },
  { name: 'protected-mode', type: 'bool', default: 'yes' },
  { name: 'databases', type: 'int', default: '16', min: 1, max: INTMAX, immutable: true },
  { name: 'maxclients', type: 'int', default: '10000', min: 1, max: INTMAX },
  { name: 'proto-max-bulk-len', type: 'memory', default: '512mb', min: 1024 * 1024, max: LLMAX },
  { name: 'client-query-buffer-limit', type: 'memory', default: '1gb', min: 1024 * 1024, max: LLMAX },
  { name: 'hz', type: 'int', default: '10', min: 0, max: INTMAX },
  { name: 'dynamic-hz', type: 'bool', default: 'yes' },
  { name: 'loglevel', type: 'enum', default: 'notice', enumValues: ['debug', 'verbose', 'notice', 'warning'] },
  { name: 'logfile', type: 'string', default: '', immutable: true },
  { name: 'requirepass', type: 'string', default: '' },
  { name: 'slowlog-log-slower-than', type: 'int', default: '10000', min: -1, max: LLMAX },
  { name: 'slowlog-max-len', type: 'int', default: '128', min: 0, max: LLMAX },
  { name: 'latency-monitor-threshold', type: 'int', default: '0', min: 0, max: LLMAX },
  { name: 'notify-keyspace-events', type: 'string', default: '' },
  { name: 'timeout', type: 'int', default: '0', min: 0, max: INTMAX },
  { name: 'tcp-keepalive', type: 'int', default: '300', min: 0, max: INTMAX },
  { name: 'tcp-backlog', type: 'int', default: '511', min: 0, max: INTMAX, immutable: true },
  { name: 'active-expire-effort', type: 'int', default: '1', min: 1, max: 10 },
  { name: 'activerehashing', type: 'bool', default: 'yes' },
  { name: 'daemonize', type: 'bool', default: 'no', immutable: true },
  { name: 'pidfile', type: 'string', default: '', immutable: true },
  { name: 'dir', type: 'string', default: '.' },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb', protectedConfig: true },
  {
    name: 'save',
    type: 'string',
    default: '3600 1 300 100 60 10000',
    parse: (args) => args.join(' ').trim(),
  },
  { name: 'appendonly', type: 'bool', default: 'no' },
  { name: 'maxmemory', type: 'memory', default: '0', min: 0, max: LLMAX },
  {
    name: 'maxmemory-policy',
    type: 'enum',
    default: 'noeviction',
    enumValues: [
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'noeviction',
    ],
  },
  { name: 'maxmemory-samples', type: 'int', default: '5', min: 1, max: 64 },
  { name: 'lfu-log-factor', type: 'int', default: '10', min: 0, max: INTMAX },
  { name: 'lfu-decay-time', type: 'int', default: '1', min: 0, max: INTMAX },
  { name: 'enable-debug-command', type: 'enum', default: 'no', enumValues: ['no', 'yes', 'local'], immutable: true },
  { name: 'lazyfree-lazy-user-flush', type: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-del', type: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-expire', type: 'bool', default: 'no' },
];
