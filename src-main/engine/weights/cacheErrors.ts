/**
 * A file-system failure while writing a cache (the hub cache, the local
 * weights store), as an error for the user: the folder, what was being
 * written, and what to do. The callers guarantee that nothing half-written
 * stays behind; the messages say so.
 *
 *   NO_SPACE          the disk (or quota) is full: ENOSPC, EDQUOT
 *   CACHE_READ_ONLY   the folder cannot be written: EROFS, EACCES, EPERM
 *   CACHE_WRITE_FAILED anything else, e.g. the folder was removed meanwhile (ENOENT)
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EngineError } from '../errors';

type FsError = Error & { code?: string; path?: string; syscall?: string };

/** True for an error from node's fs (it carries an errno code and a syscall). */
export function isFsError(e: unknown): e is FsError {
  return e instanceof Error && typeof (e as FsError).code === 'string' && typeof (e as FsError).syscall === 'string';
}

export interface CacheWhere {
  /** The cache folder, e.g. the hub cache. */
  dir: string;
  /** What was being written, e.g. 'timm/resnet50.a1_in1k'. */
  what: string;
  /** The environment variable that moves this cache elsewhere. */
  envVar: string;
}

/**
 * Why a folder could not be made: node's recursive mkdir answers ENOENT on a
 * read-only file system, so ask the nearest folder that exists whether it can
 * be written (access(2) answers EROFS there, even for root).
 */
function unwritableAncestor(p: string | undefined): string | undefined {
  if (!p) return undefined;
  for (let d = dirname(p), i = 0; i < 64; d = dirname(d), i++) {
    if (!existsSync(d)) {
      if (dirname(d) === d) return undefined;
      continue;
    }
    try {
      accessSync(d, constants.W_OK);
      return undefined;
    } catch (x) {
      return (x as FsError).code;
    }
  }
  return undefined;
}

/** Converts an fs error (others pass through unchanged). */
export function cacheWriteError(error: unknown, where: CacheWhere): unknown {
  if (!isFsError(error)) return error;
  const code = error.code === 'ENOENT' && error.syscall === 'mkdir' ? (unwritableAncestor(error.path) ?? error.code) : error.code;
  const e = { code, path: error.path, syscall: error.syscall, message: error.message };
  const at = e.path && e.path !== where.dir ? ` (${e.syscall} ${e.path})` : ` (${e.syscall})`;
  const details = { dir: where.dir, path: e.path, errno: e.code, syscall: e.syscall };
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new EngineError(
        'NO_SPACE',
        `no space left on the disk of ${where.dir} while writing ${where.what}${at}; nothing half-written was kept: free some space, or set ${where.envVar} to a folder on a disk with room`,
        details,
      );
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new EngineError(
        'CACHE_READ_ONLY',
        `${where.dir} cannot be written (${e.code}: ${e.syscall} ${e.path ?? where.dir}) while saving ${where.what}: make it writable, or set ${where.envVar} to a writable folder`,
        details,
      );
    case 'ENOENT':
      return new EngineError('CACHE_WRITE_FAILED', `${where.dir} was removed while writing ${where.what}${at}; nothing half-written was kept: try again (the folder is made anew)`, details);
    default:
      return new EngineError('CACHE_WRITE_FAILED', `cannot write ${where.what} into ${where.dir}: ${e.message}`, details);
  }
}
