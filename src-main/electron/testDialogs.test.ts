import { describe, expect, it, vi } from 'vitest';
import { appDialogs, stubDialogs, TEST_DIALOGS_ENV, type DialogLike } from './testDialogs';

/** A fake of Electron's dialog module: it must never be reached while the seam is on. */
function fakeDialog(): DialogLike & { showOpenDialog: ReturnType<typeof vi.fn>; showSaveDialog: ReturnType<typeof vi.fn> } {
  return {
    showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: ['/real/open.png'] })),
    showSaveDialog: vi.fn(async () => ({ canceled: false, filePath: '/real/save.png' })),
  };
}

describe('test dialogs seam', () => {
  it('is off without the env var: the real module is returned as is', async () => {
    const real = fakeDialog();
    const d = appDialogs(real, {});
    expect(d).toBe(real);
    expect(await d.showOpenDialog({})).toEqual({ canceled: false, filePaths: ['/real/open.png'] });
    expect(real.showOpenDialog).toHaveBeenCalledTimes(1);
  });

  it('answers open and save with the configured paths and never calls the real module', async () => {
    const real = fakeDialog();
    const d = appDialogs(real, { [TEST_DIALOGS_ENV]: JSON.stringify({ open: ['/tmp/cat.png'], save: '/tmp/out.png' }) });
    expect(await d.showOpenDialog({ properties: ['openFile'] })).toEqual({ canceled: false, filePaths: ['/tmp/cat.png'] });
    expect(await d.showOpenDialog({}, { properties: ['openFile'] })).toEqual({ canceled: false, filePaths: ['/tmp/cat.png'] });
    expect(await d.showSaveDialog({ defaultPath: 'x.png' })).toEqual({ canceled: false, filePath: '/tmp/out.png' });
    expect(real.showOpenDialog).not.toHaveBeenCalled();
    expect(real.showSaveDialog).not.toHaveBeenCalled();
  });

  it('consumes one answer per call from a list, the last repeating, and records the options', async () => {
    const d = stubDialogs(JSON.stringify({ open: [['/a.png'], ['/b.png', '/c.png']], save: ['/1.npy', '/2.npy'] }));
    expect((await d.showOpenDialog({ title: 'one' })).filePaths).toEqual(['/a.png']);
    expect((await d.showOpenDialog({ title: 'two' })).filePaths).toEqual(['/b.png', '/c.png']);
    expect((await d.showOpenDialog({})).filePaths).toEqual(['/b.png', '/c.png']);
    expect((await d.showSaveDialog({})).filePath).toBe('/1.npy');
    expect((await d.showSaveDialog({})).filePath).toBe('/2.npy');
    expect((await d.showSaveDialog({})).filePath).toBe('/2.npy');
    expect(d.calls.slice(0, 2)).toEqual([
      { kind: 'open', options: { title: 'one' } },
      { kind: 'open', options: { title: 'two' } },
    ]);
  });

  it('null or a missing key is a cancelled dialog', async () => {
    const d = stubDialogs(JSON.stringify({ open: null }));
    expect(await d.showOpenDialog({})).toEqual({ canceled: true, filePaths: [] });
    expect(await d.showSaveDialog({})).toEqual({ canceled: true });
  });

  it('refuses a malformed script with a message naming the variable', () => {
    expect(() => appDialogs(fakeDialog(), { [TEST_DIALOGS_ENV]: '{nope' })).toThrow(/PYRAMIDSCOPE_TEST_DIALOGS is not JSON/);
    expect(() => stubDialogs('[1]')).toThrow(/must be an object/);
    expect(() => stubDialogs('{"save": 3}')).toThrow(/save must be a path/);
  });
});
