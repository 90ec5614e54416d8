import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, rmdir, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, MediaStore } from '../../ports/media-store.js';
import { assertByteRange, assertMediaKey, assertMediaPrefix, unsatisfiable } from './media-keys.js';

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Keeps each object as a file under `rootDir` at its key's path (`<animation id>/<file name>`).
 * A put streams into a temporary file next to the target (`.<name>.<random>.tmp`), fsyncs it and
 * renames it over the target, so readers see the old file or the whole new one, never part.
 * Temporary files a killed process left behind for the same key are removed by the next put
 * of that key (one writer per key at a time: the gateway writes a key under its watch lease).
 */
export class FileMediaStore implements MediaStore {
  constructor(private readonly rootDir: string) {}

  close(): void {}

  /** The root directory exists (it is created as a put would) and may be written. */
  async ping(): Promise<boolean> {
    try {
      await mkdir(this.rootDir, { recursive: true });
      await access(this.rootDir, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  async put(key: string, body: Readable, _contentType: string): Promise<{ size: number }> {
    let temp: string | undefined;
    let handle: FileHandle | undefined;
    try {
      assertMediaKey(key);
      const target = this.pathOf(key);
      const dir = dirname(target);
      const name = key.slice(key.lastIndexOf('/') + 1);
      await removeAbandonedTemporaries(dir, name);
      temp = join(dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
      handle = await this.createExclusive(dir, temp);
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          callback(null, chunk);
        },
      });
      // The stream owns the handle from here: it fsyncs the file (`flush`), then closes it, and
      // pipeline resolves once it is closed. (A stream with `autoClose: false` would keep the
      // handle's close() waiting forever.)
      const file = handle.createWriteStream({ flush: true, highWaterMark: 1 << 20 });
      handle = undefined;
      await pipeline(body, counter, file);
      await rename(temp, target);
      temp = undefined;
      await fsyncDirectory(dir);
      return { size };
    } catch (error) {
      body.destroy();
      await handle?.close().catch(() => undefined);
      if (temp !== undefined) await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | undefined> {
    assertMediaKey(key);
    if (range) assertByteRange(range);
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        await handle.close();
        return undefined;
      }
      if (range && range.start >= stat.size) throw unsatisfiable(range, stat.size);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async deleteAll(prefix: string): Promise<number> {
    assertMediaPrefix(prefix);
    const { keys, directories, parent } = await this.matching(prefix);
    let removed = 0;
    for (const key of keys) {
      try {
        await rm(this.pathOf(key));
        removed += 1;
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
      }
    }
    // Whole directories under the prefix go too, with any temporary files abandoned in them.
    for (const directory of directories) await rm(this.pathOf(directory), { recursive: true, force: true });
    await this.pruneEmptyDirectories(parent);
    return removed;
  }

  async list(prefix: string): Promise<string[]> {
    assertMediaPrefix(prefix);
    return (await this.matching(prefix)).keys;
  }

  /** The file system path of a (validated) key or key prefix. */
  private pathOf(key: string): string {
    return join(this.rootDir, ...key.split('/').filter((segment) => segment !== ''));
  }

  /**
   * The keys under `prefix`, sorted; the directories whose every key matches (to remove whole);
   * and the directory holding the prefix's last segment (where pruning empty directories starts).
   */
  private async matching(prefix: string): Promise<{ keys: string[]; directories: string[]; parent: string }> {
    const slash = prefix.lastIndexOf('/');
    const parent = prefix.slice(0, slash + 1);
    const start = prefix.slice(slash + 1);
    const keys: string[] = [];
    // `animations/<id>/` names a whole directory; so does each directory `animations/<id>` that `animations/<i` matches.
    const wholeParent = start === '' && parent !== '';
    const directories = wholeParent ? [parent] : [];
    for (const entry of await this.entries(parent)) {
      if (!entry.name.startsWith(start)) continue;
      const key = parent + entry.name;
      if (entry.isFile()) keys.push(key);
      else if (entry.isDirectory()) {
        if (!wholeParent) directories.push(`${key}/`);
        keys.push(...(await this.walk(`${key}/`)));
      }
    }
    return { keys: keys.sort(), directories, parent };
  }

  /** Every key in the directory `dirKey` (`''` or ending with `/`) and below. */
  private async walk(dirKey: string): Promise<string[]> {
    const keys: string[] = [];
    for (const entry of await this.entries(dirKey)) {
      const key = dirKey + entry.name;
      if (entry.isFile()) keys.push(key);
      else if (entry.isDirectory()) keys.push(...(await this.walk(`${key}/`)));
    }
    return keys;
  }

  /** The entries of a directory that can be part of a key (temporary and other dot files are not); none when it is missing. */
  private async entries(dirKey: string): Promise<Dirent[]> {
    try {
      const entries = await readdir(this.pathOf(dirKey), { withFileTypes: true });
      return entries.filter((entry) => !entry.name.startsWith('.'));
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw error;
    }
  }

  /** Removes `dirKey` and its ancestors below the root while they are empty. */
  private async pruneEmptyDirectories(dirKey: string): Promise<void> {
    const segments = dirKey.split('/').filter((segment) => segment !== '');
    for (; segments.length > 0; segments.pop()) {
      try {
        await rmdir(join(this.rootDir, ...segments));
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT') continue;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') return;
        throw error;
      }
    }
  }

  /**
   * Creates the directories and the temporary file. A concurrent deleteAll may remove an empty
   * directory between the two steps, so a missing directory is created again (a few times).
   */
  private async createExclusive(dir: string, file: string): Promise<FileHandle> {
    for (let attempt = 1; ; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        return await open(file, 'wx', 0o644);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || attempt >= 3) throw error;
      }
    }
  }
}

/** Makes a rename in `dir` durable. (Windows cannot open a directory for fsync; it needs none.) */
async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes `.<name>.<random>.tmp` files in `dir`: writes of `name` that never finished. */
async function removeAbandonedTemporaries(dir: string, name: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const abandoned = entries.filter((entry) => entry.startsWith(`.${name}.`) && entry.endsWith('.tmp'));
  await Promise.all(abandoned.map((entry) => rm(join(dir, entry), { force: true })));
}
