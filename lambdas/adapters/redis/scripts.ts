import type { ChainableCommander, Redis } from 'ioredis';
import { CONTROL_SCRIPTS, type ControlScriptCommands } from './control-scripts.ts';

/**
 * The version guard of core/records.ts (`guard`), in Lua, so the read, the decision and the write
 * are one atomic step on the server. Keep both in step: test/integration/store/redis-guard.test.ts
 * checks this script against `guard` on random histories.
 *
 * KEYS[1] record, KEYS[2] its bucket's set of live ids, KEYS[3] its bucket's set of tombstone ids
 * (an id is in one of the two, so a generation's live count is the sum of its live sets' sizes).
 * ARGV[1] "upsert" | "delete", ARGV[2] version, ARGV[3] hash (upserts), ARGV[4] the stored value
 * (JSON), ARGV[5] expiry (epoch seconds, tombstones) or "", ARGV[6] id.
 */
const GUARDED_WRITE = `
local current = redis.call('GET', KEYS[1])
if current then
  local stored = cjson.decode(current)
  local version = tonumber(ARGV[2])
  if stored.version > version then return 'stale' end
  if stored.version == version then
    if ARGV[1] == 'delete' then
      if stored.deleted == true then return 'unchanged' end
    else
      if stored.deleted == true then return 'stale' end
      if stored.hash == ARGV[3] then return 'unchanged' end
    end
  end
end
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'EXAT', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
if ARGV[1] == 'delete' then
  redis.call('SADD', KEYS[3], ARGV[6])
  redis.call('SREM', KEYS[2], ARGV[6])
else
  redis.call('SADD', KEYS[2], ARGV[6])
  redis.call('SREM', KEYS[3], ARGV[6])
end
return 'written'
`;

/**
 * Unconditional writes of one bucket's records and their ids (the rebuild's load), one script per
 * bucket instead of a SET per record plus set updates: the load's cost is in commands sent, and
 * this sends one per bucket. KEYS[1] the bucket's live id set, KEYS[2] its tombstone id set,
 * KEYS[3..] the records. ARGV[1] how many of the records are live (they come first); then, per
 * record in the same order, its id, its value (JSON) and its expiry (epoch seconds) or "".
 * The records are written before the sets change, and an id ends in exactly one of the two sets.
 */
const BULK_PUT = `
local live = tonumber(ARGV[1])
local ids = {}
for i = 3, #KEYS do
  local at = (i - 3) * 3 + 2
  if ARGV[at + 2] ~= '' then
    redis.call('SET', KEYS[i], ARGV[at + 1], 'EXAT', ARGV[at + 2])
  else
    redis.call('SET', KEYS[i], ARGV[at + 1])
  end
  ids[#ids + 1] = ARGV[at]
end
-- SADD / SREM in slices: unpack is bounded by Lua's C stack (LUAI_MAXCSTACK, 8000).
local function move(into, from, first, last)
  for start = first, last, 1000 do
    local stop = math.min(start + 999, last)
    redis.call('SADD', into, unpack(ids, start, stop))
    redis.call('SREM', from, unpack(ids, start, stop))
  end
end
move(KEYS[1], KEYS[2], 1, live)
move(KEYS[2], KEYS[1], live + 1, #ids)
return #ids
`;

/**
 * Compare-and-set of a pointer on its revision. KEYS[1] pointer; ARGV[1] the expected revision
 * ("" = the pointer must not exist yet), ARGV[2] the new pointer (JSON). Returns 1 when written.
 */
const SWAP_POINTER = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 0 end
else
  if not current then return 0 end
  if cjson.decode(current).revision ~= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/**
 * Removes records of one bucket and their ids, together. KEYS[1] the bucket's live id set, KEYS[2]
 * its tombstone id set, KEYS[3..] the records; ARGV the ids, in the same order.
 */
const DELETE_RECORDS = `
for i = 3, #KEYS do
  redis.call('UNLINK', KEYS[i])
  redis.call('SREM', KEYS[1], ARGV[i - 2])
  redis.call('SREM', KEYS[2], ARGV[i - 2])
end
return #KEYS - 2
`;

/**
 * Forgets ids whose record is gone (expired tombstones), unless a write re-created it meanwhile:
 * the existence check and the removal are one step. KEYS[1] id set, KEYS[2..] records; ARGV ids.
 */
const PRUNE_IDS = `
local removed = 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    removed = removed + redis.call('SREM', KEYS[1], ARGV[i - 1])
  end
end
return removed
`;

/**
 * Quarantines a resource unless it already is. KEYS[1] the type's quarantine hash; ARGV[1] id,
 * ARGV[2] the entry (JSON), ARGV[3] its clean checks. Returns 1 when added. The count lives in
 * its own field (`c:id`, next to the entry's `e:id`) so counting never re-encodes the entry: Lua's
 * cjson would round its numbers to 14 digits.
 */
const QUARANTINE_ADD = `
if redis.call('HSETNX', KEYS[1], 'e:' .. ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], ARGV[3])
return 1
`;

/**
 * One more clean check of a quarantined resource. KEYS[1] the type's quarantine hash; ARGV[1] id.
 * Returns the new count, or nil when the resource is not quarantined.
 */
const RECORD_CLEAN_CHECK = `
if redis.call('HEXISTS', KEYS[1], 'e:' .. ARGV[1]) == 0 then return nil end
return redis.call('HINCRBY', KEYS[1], 'c:' .. ARGV[1], 1)
`;

/** The scripts, under names unlikely to collide with other users of an injected client. */
export const SCRIPTS = {
  freshindexGuardedWrite: { numberOfKeys: 3, lua: GUARDED_WRITE },
  freshindexSwapPointer: { numberOfKeys: 1, lua: SWAP_POINTER },
  freshindexBulkPut: { lua: BULK_PUT },
  freshindexDeleteRecords: { lua: DELETE_RECORDS },
  freshindexPruneIds: { lua: PRUNE_IDS },
  freshindexQuarantineAdd: { numberOfKeys: 1, lua: QUARANTINE_ADD },
  freshindexRecordCleanCheck: { numberOfKeys: 1, lua: RECORD_CLEAN_CHECK },
  ...CONTROL_SCRIPTS,
} as const;

type Args = (string | number)[];

/** The scripts as commands of a client. Variable-key scripts take the key count first. */
export interface ScriptCommands extends ControlScriptCommands {
  freshindexGuardedWrite(...args: Args): Promise<string>;
  freshindexSwapPointer(...args: Args): Promise<number>;
  freshindexBulkPut(numberOfKeys: number, ...args: Args): Promise<number>;
  freshindexDeleteRecords(numberOfKeys: number, ...args: Args): Promise<number>;
  freshindexPruneIds(numberOfKeys: number, ...args: Args): Promise<number>;
  freshindexQuarantineAdd(...args: Args): Promise<number>;
  freshindexRecordCleanCheck(...args: Args): Promise<number | null>;
}

/** The same commands, queued on a pipeline. */
export interface ScriptPipeline extends ChainableCommander {
  freshindexGuardedWrite(...args: Args): ScriptPipeline;
  freshindexBulkPut(numberOfKeys: number, ...args: Args): ScriptPipeline;
  freshindexDeleteRecords(numberOfKeys: number, ...args: Args): ScriptPipeline;
  freshindexPruneIds(numberOfKeys: number, ...args: Args): ScriptPipeline;
}

/** A client with the scripts defined (EVALSHA, falling back to EVAL once per connection). */
export type ScriptedRedis = Redis & ScriptCommands;

/** Defines the scripts on `client` (idempotent) and returns it, typed. */
export function withScripts(client: Redis): ScriptedRedis {
  const scripted = client as ScriptedRedis;
  for (const [name, definition] of Object.entries(SCRIPTS)) {
    if (typeof (scripted as unknown as Record<string, unknown>)[name] !== 'function') client.defineCommand(name, definition);
  }
  return scripted;
}

/** A pipeline of `client` that knows the scripts. */
export function scriptPipeline(client: ScriptedRedis): ScriptPipeline {
  return client.pipeline() as ScriptPipeline;
}
