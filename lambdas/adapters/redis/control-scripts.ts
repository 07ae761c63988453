/**
 * The Lua scripts of the control plane (leases, reservations): each conditional write of
 * lambdas/adapters/dynamodb/builds.ts and reservations.ts, as one atomic step on the server.
 * scripts.ts defines them on the client next to the index's scripts.
 */

/**
 * Takes a hash that nobody holds: one whose `expiresAt` (epoch ms) is before `now`, or held by
 * the value allowed to take it again. The old fields go; the new ones are set.
 *
 * KEYS[1] the hash. ARGV[1] now, ARGV[2] the field naming the holder, ARGV[3] the holder that may
 * take it again ("" = none), ARGV[4] when Redis may drop the hash (epoch seconds, "" = never),
 * ARGV[5..] the new field/value pairs. Returns 1 when taken.
 */
const TAKE_UNLESS_HELD = `
local expires = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if expires and expires >= tonumber(ARGV[1]) then
  if ARGV[3] == '' or redis.call('HGET', KEYS[1], ARGV[2]) ~= ARGV[3] then return 0 end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if ARGV[4] ~= '' then redis.call('EXPIREAT', KEYS[1], ARGV[4]) end
return 1
`;

/**
 * Changes or deletes a hash only if one field holds the expected value.
 *
 * KEYS[1] the hash. ARGV[1] the field, ARGV[2] its expected value, ARGV[3] "1" when an absent
 * field matches too, ARGV[4] "delete" or "set", ARGV[5..] the field/value pairs to set. Returns 1
 * when the hash existed and matched.
 */
const IF_FIELD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not (current == ARGV[2] or (current == false and ARGV[3] == '1')) then return 0 end
if ARGV[4] == 'delete' then redis.call('DEL', KEYS[1]) else redis.call('HSET', KEYS[1], unpack(ARGV, 5)) end
return 1
`;

/** The control plane's scripts (see `SCRIPTS` in scripts.ts). */
export const CONTROL_SCRIPTS = {
  freshindexTakeUnlessHeld: { numberOfKeys: 1, lua: TAKE_UNLESS_HELD },
  freshindexIfField: { numberOfKeys: 1, lua: IF_FIELD },
} as const;

type Args = (string | number)[];

/** The control plane's scripts as commands of a client. */
export interface ControlScriptCommands {
  freshindexTakeUnlessHeld(key: string, now: number, holderField: string, holder: string, dropAt: number | '', ...fields: Args): Promise<number>;
  freshindexIfField(key: string, field: string, expected: string, absentMatches: '0' | '1', action: 'delete' | 'set', ...fields: Args): Promise<number>;
}
