/**
 * The state file of a running local runtime (default `.freshindex/dev.json`): where its ops API,
 * its local control API, the demo CMS and the emulators listen. `freshindex dev` writes it once
 * everything is ready and removes it on exit; the CLI reads it to find the runtime.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

/** The default state file, relative to the working directory. */
export const DEFAULT_STATE_FILE = '.freshindex/dev.json';

export const devStateSchema = z.object({
  /** Format version of this file. */
  version: z.literal(1),
  /** The process id of `freshindex dev`. */
  pid: z.number().int().positive(),
  startedAt: z.string(),
  /** The config module the runtime runs. */
  configPath: z.string(),
  /** The resource types of the config. */
  types: z.array(z.string()),
  /** The config's declared events (types' listeners hear them); absent in a state file of an older version. */
  events: z.array(z.string()).default([]),
  /** The ops API (`/v1/...`), as on AWS but without authentication. */
  apiUrl: z.string().url(),
  /** The local control API (`/local/v1/...`): jobs and schedules, the local stand-ins of Batch and EventBridge. */
  controlUrl: z.string().url(),
  /** The demo CMS, when it runs. */
  cmsUrl: z.string().url().optional(),
  /** The emulators' endpoints (AWS_ENDPOINT_URL_<SERVICE>). */
  endpoints: z.object({ sqs: z.string(), sns: z.string(), dynamodb: z.string() }),
  region: z.string(),
  /** The change topic, where `freshindex publish` sends events. */
  changeTopicArn: z.string(),
  tables: z.object({ index: z.string(), control: z.string() }),
  /** The Redis URL, when the config selects the Redis store. */
  redisUrl: z.string().optional(),
});

export type DevState = z.output<typeof devStateSchema>;

/** The state file's absolute path: `explicit`, else $FRESHINDEX_STATE_FILE, else `.freshindex/dev.json` under `cwd`. */
export function stateFilePath(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, explicit ?? env['FRESHINDEX_STATE_FILE'] ?? DEFAULT_STATE_FILE);
}

/** Writes the state atomically (a reader never sees half a file). */
export async function writeDevState(path: string, state: DevState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, 'utf8');
  await rename(temporary, path);
}

/** Reads the state; `undefined` when there is no file. Throws when the file is not a state file. */
export async function readDevState(path: string): Promise<DevState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return devStateSchema.parse(JSON.parse(text));
}

/** Removes the state file, if it is still the one of `pid` (a newer runtime may have replaced it). */
export async function removeDevState(path: string, pid: number): Promise<void> {
  const current = await readDevState(path).catch(() => undefined);
  if (current && current.pid !== pid) return;
  await rm(path, { force: true });
}

/** Whether a process with this id is alive (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
