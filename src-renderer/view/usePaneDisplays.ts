/** The displays of pane A (and B when comparing), recomputed only when data or view settings change. */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import type { AppState } from '../store/types';
import { paneDisplays, type DisplayOptions, type LevelDisplay } from './levelDisplays';

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
  const [a, b] = paneDisplays(comparing && s.compareResult ? [s.result.levels, s.compareResult.levels] : [s.result.levels], o, comparing && s.compareSharedScale);
  return { a, b };
}

export function usePaneDisplays(): { a: LevelDisplay[]; b?: LevelDisplay[] } {
  const o = useDisplayOptions();
  const { result, compareResult, compareOn, shared } = useApp(
    useShallow((s) => ({ result: s.result, compareResult: s.compareResult, compareOn: s.compareOn, shared: s.compareSharedScale })),
  );
  return useMemo(() => {
    if (!result) return { a: [] };
    const comparing = compareOn && compareResult !== undefined;
    const panes = comparing ? [result.levels, compareResult.levels] : [result.levels];
    const [a, b] = paneDisplays(panes, o, comparing && shared);
    return { a, b };
  }, [result, compareResult, compareOn, shared, o]);
}
