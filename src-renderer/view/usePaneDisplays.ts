/** The displays of pane A (and B when comparing), recomputed only when data or view settings change. */
import { useMemo, useSyncExternalStore } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import type { AppState } from '../store/types';
import { paneDisplays, type DisplayOptions, type LevelDisplay } from './levelDisplays';
import { isScalarMode } from '../../src-shared/maps/display';
import type { ShownLevel } from '../store/shown';
import { pcaVersion, pendingRgb, rgbDisplaysAsync, subscribePca } from './pcaAsync';

/** Scalar modes are computed here and now; PCA comes from the worker, grey until it lands. */
function displays(panes: ReadonlyArray<readonly ShownLevel[]>, o: DisplayOptions, share: boolean): LevelDisplay[][] {
  if (isScalarMode(o.mode)) return paneDisplays(panes, o, share);
  return rgbDisplaysAsync(panes, o) ?? pendingRgb(panes);
}

export function useDisplayOptions(): DisplayOptions {
  return useApp(
    useShallow((s) => ({
      mode: s.viewMode,
      channel: s.channel,
      sign: s.valueSign,
      normScope: s.normScope,
      fixedRange: s.fixedRange,
      zeroCentre: s.zeroCentre,
      pcaFit: s.pcaFit,
    })),
  );
}

/** The displays for a store state, outside React (exports read them at click time). */
export function displaysFor(s: AppState): { a: LevelDisplay[]; b?: LevelDisplay[] } {
  if (!s.result) return { a: [] };
  const o: DisplayOptions = { mode: s.viewMode, channel: s.channel, sign: s.valueSign, normScope: s.normScope, fixedRange: s.fixedRange, zeroCentre: s.zeroCentre, pcaFit: s.pcaFit };
  const comparing = s.compareOn && s.compareResult !== undefined;
  const [a, b] = displays(comparing && s.compareResult ? [s.result.levels, s.compareResult.levels] : [s.result.levels], o, comparing && s.compareSharedScale);
  return { a, b };
}

export function usePaneDisplays(): { a: LevelDisplay[]; b?: LevelDisplay[] } {
  const o = useDisplayOptions();
  const { result, compareResult, compareOn, shared } = useApp(
    useShallow((s) => ({ result: s.result, compareResult: s.compareResult, compareOn: s.compareOn, shared: s.compareSharedScale })),
  );
  const fitted = useSyncExternalStore(subscribePca, pcaVersion);
  return useMemo(() => {
    if (!result) return { a: [] };
    const comparing = compareOn && compareResult !== undefined;
    const panes = comparing ? [result.levels, compareResult.levels] : [result.levels];
    const [a, b] = displays(panes, o, comparing && shared);
    return { a, b };
    // `fitted` is in the deps only to re-run this when a PCA fit lands.
  }, [result, compareResult, compareOn, shared, o, fitted]);
}
