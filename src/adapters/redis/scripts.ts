// The Lua scripts of the Redis backend. Each runs atomically on the server, so that a crash
// or a concurrent consumer never sees half an update (the habit BullMQ keeps). Every key a
// script touches shares the channel's hash tag, so the scripts work on Redis Cluster too.
import { Script } from './connection.js';

/**
 * Takes up to `count` entries for `consumer`: new ones (XREADGROUP) and those pending
 * longer than `minIdle` ms (XAUTOCLAIM: left by a dead consumer, or handed back). With
 * `claimFirst` = 1 the pending ones come first (after a requeue, and now and then); else
 * they are looked for only when there are not enough new ones, so that a busy stream does
 * not rescan its pending list on every take. Wake-up entries (field `n`, see `kRequeue`)
 * are dropped on the way. Returns `{ nextCursor, more, id1, json1, id2, json2, ... }`,
 * `more` = 1 when a claim found as many idle entries as it asked for before its scan of the
 * pending list ended (there may be more: the next take claims first again, so that
 * handed-back messages stay first in line). `nextCursor` is '0-0' once a scan has ended.
 * KEYS: stream, wake-up counter. ARGV: group, consumer, count, minIdle, cursor, claimFirst.
 */
export const kTake = new Script(`
local out = { ARGV[5], 0 }
local count = tonumber(ARGV[3])
local woke = false
local function keep(e)
  if not (e and e[2]) then return end
  if e[2][1] == 'n' then
    woke = true
    redis.call('XACK', KEYS[1], ARGV[1], e[1])
    redis.call('XDEL', KEYS[1], e[1])
    redis.call('DECR', KEYS[2])
    return
  end
  out[#out + 1] = e[1]
  out[#out + 1] = e[2][2]
end
-- XAUTOCLAIM looks at no more than 10 x COUNT pending entries a call: go on (within
-- \`rounds\` calls) while the scan is unfinished, so idle entries behind many live ones are found.
local function claim(rounds)
  for _ = 1, rounds do
    local need = count - (#out - 2) / 2
    if need <= 0 then
      if out[1] ~= '0-0' then out[2] = 1 end
      return
    end
    local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], out[1], 'COUNT', need)
    out[1] = claimed[1]
    for _, e in ipairs(claimed[2]) do keep(e) end
    if out[1] == '0-0' then return end
  end
end
if ARGV[6] == '1' then claim(200) end
local need = count - (#out - 2) / 2
if need > 0 then
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', need, 'STREAMS', KEYS[1], '>')
  if read then
    for _, e in ipairs(read[1][2]) do keep(e) end
  end
end
if woke then
  -- Messages were handed back (in another process, maybe): scan the pending list from the start.
  out[1] = '0-0'
  claim(200)
elseif ARGV[6] ~= '1' then
  claim(20)
end
return out
`);

/**
 * Drops a wake-up entry that a blocking read delivered.
 * KEYS: stream, wake-up counter. ARGV: group, id.
 */
export const kDropWakeup = new Script(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('DECR', KEYS[2])
return 1
`);

/**
 * Creates the stream and its group (reading from the start) unless the listener was removed.
 * Returns 1, or 0 when the listener was removed (its tombstone exists).
 * KEYS: stream, tombstone. ARGV: group.
 */
export const kEnsureGroup = new Script(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
return 1
`);

/**
 * Registers a listener with its channel (the registry is a sorted set scored by first
 * registration time, so it lists listeners in registration order) and creates its stream
 * and group.
 * KEYS: registry, stream, tombstone. ARGV: listenerId, group.
 */
export const kRegister = new Script(`
local now = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'NX', now[1] * 1000 + math.floor(now[2] / 1000), ARGV[1])
redis.call('DEL', KEYS[3])
redis.pcall('XGROUP', 'CREATE', KEYS[2], ARGV[2], '0', 'MKSTREAM')
return 1
`);

/**
 * Unregisters a listener, deletes its stream and leaves a tombstone, so that consumers in
 * other processes stop instead of recreating the stream.
 * KEYS: registry, stream, tombstone, wake-up counter. ARGV: listenerId, tombstone lifetime (ms).
 */
export const kUnregister = new Script(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[4])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return 1
`);

/**
 * Appends a message to the stream of every listener in the registry.
 * KEYS: registry. ARGV: stream key prefix (the listener id completes it), message JSON, group.
 */
export const kBroadcast = new Script(`
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  if not redis.call('XADD', key, 'NOMKSTREAM', '*', 'm', ARGV[2]) then
    redis.pcall('XGROUP', 'CREATE', key, ARGV[3], '0', 'MKSTREAM')
    redis.call('XADD', key, '*', 'm', ARGV[2])
  end
end
return #ids
`);

/**
 * Acknowledges entries and deletes them: the stream holds only what is not yet delivered.
 * KEYS: stream. ARGV: group, id...
 */
export const kAck = new Script(`
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
return redis.call('XDEL', KEYS[1], unpack(ids))
`);

/**
 * Hands entries back: still pending, but marked idle for `idle` ms so that the next take
 * (of any consumer) claims them before new entries. Then appends a wake-up entry (field
 * `n`, counted in the wake-up counter), so that consumers blocked in XREADGROUP in other
 * processes wake up and claim them; takes drop it.
 * KEYS: stream, wake-up counter. ARGV: group, consumer, idle, id...
 */
export const kRequeue = new Script(`
local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0'}
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
args[#args + 1] = 'IDLE'
args[#args + 1] = ARGV[3]
args[#args + 1] = 'JUSTID'
local back = #redis.call(unpack(args))
if back > 0 then
  redis.call('XADD', KEYS[1], '*', 'n', '1')
  redis.call('INCR', KEYS[2])
end
return back
`);

/**
 * Renews `consumer`'s hold on entries it still processes (resets their idle time), skipping
 * any another consumer has taken over. Returns how many were renewed.
 * KEYS: stream. ARGV: group, consumer, id...
 */
export const kRenew = new Script(`
local renewed = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #p > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0', ARGV[i], 'JUSTID')
    renewed = renewed + 1
  end
end
return renewed
`);

/**
 * Number of messages waiting: not delivered yet, or pending for at least `minIdle` ms
 * (wake-up entries not counted).
 * KEYS: stream, wake-up counter. ARGV: group, minIdle.
 */
export const kSize = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local wakeups = tonumber(redis.call('GET', KEYS[2]) or '0')
local ok, summary = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if not ok then return redis.call('XLEN', KEYS[1]) - wakeups end
local pending = summary[1]
local idle = 0
if pending > 0 then
  idle = #redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[2], '-', '+', pending)
end
return redis.call('XLEN', KEYS[1]) - pending + idle - wakeups
`);
