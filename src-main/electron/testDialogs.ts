/**
 * A seam for end-to-end tests of the desktop app: with PYRAMIDSCOPE_TEST_DIALOGS
 * set, the open and save dialogs answer with configured paths instead of
 * showing a native window (no IPC involved: the main process reads the env var
 * once). Off unless the variable is set; main.ts uses `appDialogs(dialog)` for
 * every dialog it shows.
 *
 * PYRAMIDSCOPE_TEST_DIALOGS is JSON:
 *   { "open": ["/path/a.png"] | [["/a.png"], ["/b.png"]] | null, "save": "/path/out.png" | ["/1.npy", "/2.npy"] | null }
 * A flat list (or one string) answers every call the same; a list of lists
 * (open) or of strings (save) is consumed one answer per call, the last one
 * repeating. `null` (or a missing key) means the user cancelled.
 */

export interface OpenResult {
  canceled: boolean;
  filePaths: string[];
}
export interface SaveResult {
  canceled: boolean;
  filePath?: string;
}

/** The part of Electron's `dialog` module the app uses (options are passed through unread when stubbed). */
export interface DialogLike {
  showOpenDialog(...args: unknown[]): Promise<OpenResult>;
  showSaveDialog(...args: unknown[]): Promise<SaveResult>;
}

export const TEST_DIALOGS_ENV = 'PYRAMIDSCOPE_TEST_DIALOGS';

interface Script {
  open: string[][] | null;
  save: string[] | null;
}

function parseScript(raw: string): Script {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${TEST_DIALOGS_ENV} is not JSON: ${(e as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${TEST_DIALOGS_ENV} must be an object like {"open": ["/a.png"], "save": "/out.png"}`);
  const v = value as Record<string, unknown>;
  const strings = (x: unknown, what: string): string[] => {
    if (typeof x === 'string') return [x];
    if (Array.isArray(x) && x.every((p) => typeof p === 'string')) return x as string[];
    throw new Error(`${TEST_DIALOGS_ENV}.${what} must be a path or a list of paths`);
  };
  let open: string[][] | null = null;
  if (v.open !== undefined && v.open !== null) {
    // A list of lists: one answer per call; otherwise one answer for every call.
    open = Array.isArray(v.open) && v.open.length > 0 && v.open.every(Array.isArray) ? v.open.map((a) => strings(a, 'open[]')) : [strings(v.open, 'open')];
  }
  const save = v.save === undefined || v.save === null ? null : strings(v.save, 'save');
  return { open, save };
}

/** Calls made to a stubbed dialog, for tests that check what was asked. */
export interface StubbedDialogs extends DialogLike {
  calls: Array<{ kind: 'open' | 'save'; options: unknown }>;
}

export function stubDialogs(raw: string): StubbedDialogs {
  const script = parseScript(raw);
  let opens = 0;
  let saves = 0;
  const calls: StubbedDialogs['calls'] = [];
  // Electron's signatures are (options) or (window, options): the options are the last argument.
  const lastArg = (args: unknown[]) => args[args.length - 1];
  return {
    calls,
    showOpenDialog: async (...args) => {
      calls.push({ kind: 'open', options: lastArg(args) });
      if (!script.open) return { canceled: true, filePaths: [] };
      const answer = script.open[Math.min(opens++, script.open.length - 1)];
      return { canceled: false, filePaths: [...answer] };
    },
    showSaveDialog: async (...args) => {
      calls.push({ kind: 'save', options: lastArg(args) });
      if (!script.save) return { canceled: true };
      return { canceled: false, filePath: script.save[Math.min(saves++, script.save.length - 1)] };
    },
  };
}

/** The dialogs the app should use: the real module, or the stub when the env var is set. */
export function appDialogs<D extends DialogLike>(real: D, env: Record<string, string | undefined> = process.env): DialogLike {
  const raw = env[TEST_DIALOGS_ENV];
  if (raw === undefined || raw === '') return real;
  return stubDialogs(raw);
}
