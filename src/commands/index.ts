/** Every built-in command family, in the order COMMAND lists them. */
import type { CommandSpec } from './types.js';
import { stringCommands } from './string.js';
import { bitopsCommands } from './bitops.js';
import { connectionCommands } from './connection.js';
import { clientCommands } from './client.js';
import { serverCommands } from './server.js';
import { commandCommands } from './command.js';
import { keyspaceCommands } from './keys.js';
import { configCommands } from './config.js';
import { shutdownCommands } from './shutdown.js';
import { hashCommands } from './hash.js';
import { setCommands } from './set.js';
import { zsetCommands } from './zset.js';
import { listCommands } from './list.js';
import { zsetBlockingCommands } from './zset-blocking.js';
import { txCommands } from './tx.js';
import { sortCommands } from './sort.js';
import { memoryCommands } from './memory.js';
import { pubsubCommands } from './pubsub.js';
import { geoCommands } from './geo.js';
import { persistenceCommands } from './persistence.js';
import { aclCommands } from './acl.js';
import { aofCommands } from './aof.js';
import './debug-digest.js';
import { dumpCommands } from './dump.js';
import { replicationCommands } from './replication.js';

export const allCommands: CommandSpec[] = [...connectionCommands, ...stringCommands, ...bitopsCommands, ...commandCommands, ...keyspaceCommands, ...configCommands, ...shutdownCommands, ...clientCommands, ...serverCommands, ...hashCommands, ...setCommands, ...zsetCommands, ...listCommands, ...zsetBlockingCommands, ...memoryCommands, ...sortCommands, ...txCommands, ...pubsubCommands, ...geoCommands, ...aclCommands, ...aofCommands, ...dumpCommands, ...persistenceCommands, ...replicationCommands];
