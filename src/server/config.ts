/**
 * Configuration registry: every directive Redis 7.0 knows (config-defs.ts),
 * parsed and validated with Redis's rules and error texts (config.c), shared
 * by the config file loader, command-line flags, CONFIG GET and CONFIG SET.
 * Directives Nodis does not act on are still accepted and listed, so tools
 * that set them keep working.
 */
import { CONFIG_DEFS, type ConfigDef } from './config-defs.js';

export type ConfigValue = string | number | boolean;

/** Parse "1gb", "64mb", "100k" etc. like memtoull(). Returns null when invalid. */
export function memtoull(s: string): number | null {
  const m = /^(-?\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 * 1000,
    mb: 1024 * 1024,
    g: 1000 * 1000 * 1000,
    gb: 1024 * 1024 * 1024,
  };
  return n * mul[unit];
}

export class ConfigError extends Error {}

export type ConfigListener = (name: string, value: ConfigValue) => void;

export class Config {
  private readonly defs = new Map<string, ConfigDef>();
  private readonly values = new Map<string, ConfigValue>();
  private readonly listeners: ConfigListener[] = [];
  /** Path of the config file the server was started with, if any. */
  configFile: string | null = null;

  constructor(overrides: Record<string, string> = {}) {
    for (const def of CONFIG_DEFS) {
      this.defs.set(def.name, def);
      if (def.alias) this.defs.set(def.alias, def);
      this.values.set(def.name, this.parseValue(def, [def.default]));
    }
    for (const [k, v] of Object.entries(overrides)) this.set(k, v, true);
  }

  onChange(fn: ConfigListener): void {
    this.listeners.push(fn);
  }

  def(name: string): ConfigDef | undefined {
    return this.defs.get(name.toLowerCase());
  }

  /** All canonical definitions (aliases excluded). */
  allDefs(): ConfigDef[] {
    return CONFIG_DEFS;
  }

  get(name: string): ConfigValue {
    const def = this.defs.get(name);
    if (!def) throw new Error(`unknown config ${name}`);
    return this.values.get(def.name)!;
  }

  num(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  str(name: string): string {
    return String(this.get(name));
  }

  /** The value as CONFIG GET prints it. */
  format(name: string): string {
    const def = this.defs.get(name.toLowerCase());
    if (!def) throw new Error(`unknown config ${name}`);
    const v = this.values.get(def.name)!;
    if (def.format) return def.format(v);
    switch (def.type) {
      case 'bool':
        return v ? 'yes' : 'no';
      case 'octal':
        return (v as number).toString(8);
      default:
        return String(v);
    }
  }

  /**
   * Validate and store a value. Throws ConfigError with Redis's reason text
   * ("argument must be 'yes' or 'no'"...). `startup` allows immutable ones.
   */
  set(name: string, value: string | string[], startup = false): void {
    const def = this.defs.get(name.toLowerCase());
    if (!def) throw new ConfigError(`Unknown option '${name}'`);
    if (def.immutable && !startup) throw new ConfigError("can't set immutable config");
    if (def.protectedConfig && !startup) throw new ConfigError("can't set protected config");
    const args = Array.isArray(value) ? value : [value];
    const parsed = this.parseValue(def, args);
    if (def.validate) {
      const err = def.validate(parsed, this);
      if (err) throw new ConfigError(err);
    }
    this.values.set(def.name, parsed);
    for (const fn of this.listeners) fn(def.name, parsed);
  }

  /** Store without validation or listeners (restoring after a failed SET). */
  restore(name: string, value: ConfigValue): void {
    const def = this.defs.get(name.toLowerCase());
    if (def) this.values.set(def.name, value);
  }

  raw(name: string): ConfigValue {
    return this.get(name);
  }

  private parseValue(def: ConfigDef, args: string[]): ConfigValue {
    if (def.parse) return def.parse(args, this);
    if (args.length !== 1) throw new ConfigError('wrong number of arguments');
    const s = args[0];
    switch (def.type) {
      case 'bool': {
        const l = s.toLowerCase();
        if (l === 'yes') return true;
        if (l === 'no') return false;
        throw new ConfigError("argument must be 'yes' or 'no'");
      }
      case 'int':
      case 'octal':
      case 'memory': {
        let n: number | null;
        if (def.type === 'memory') {
          n = memtoull(s);
          if (n === null) throw new ConfigError('argument must be a memory value');
        } else if (def.type === 'octal') {
          n = /^[0-7]+$/.test(s) ? parseInt(s, 8) : null;
          if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
        } else if (def.percent && s.endsWith('%')) {
          const p = /^-?\d+$/.test(s.slice(0, -1)) ? Number(s.slice(0, -1)) : NaN;
          if (Number.isNaN(p)) throw new ConfigError("argument couldn't be parsed into an integer");
          n = -p;
        } else {
          n = /^-?\d+$/.test(s) ? Number(s) : null;
          if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
        }
        const min = def.min ?? -Infinity;
        const max = def.max ?? Infinity;
        if (n < min || n > max) {
          if (def.percent && n < 0) throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
          throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
        }
        return n;
      }
      case 'enum': {
        const l = s.toLowerCase();
        if (def.enumValues!.includes(l)) return l;
        throw new ConfigError(`argument(s) must be one of the following: ${def.enumValues!.join(', ')}`);
      }
      case 'string':
        return s;
    }
  }
}
