/** `serve --http ... --redis URL` (or `REDIS_URL`): the HTTP service's channels in Redis. */
import { RedisChannelRegistry } from '../adapters/http/redis-channel-registry.js';
import { stringFlag, UsageError, type FlagValues, type Output } from './usage.js';

/** The Redis URL from `--redis`, else from `REDIS_URL` (empty counts as unset); checked. */
export function redisUrlOf(values: FlagValues, env: NodeJS.ProcessEnv): string | undefined {
  const url = stringFlag(values, 'redis') ?? (env.REDIS_URL || undefined);
  if (url === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError(`--redis expects a URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}`);
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new UsageError(`--redis expects a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  }
  return url;
}

/** The URL without its password, for messages. */
export function redactedRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/**
 * Connects to Redis and returns the channels kept there; when Redis does not answer within
 * its operation timeout (5 s), writes why and resolves `undefined` (the caller exits 1).
 */
export async function openRedisChannels(url: string, output: Output): Promise<RedisChannelRegistry | undefined> {
  try {
    return await RedisChannelRegistry.connect({ url });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    output.err(`eric-sse: cannot reach Redis at ${redactedRedisUrl(url)} (--redis / REDIS_URL): ${reason}\n`);
    return undefined;
  }
}
