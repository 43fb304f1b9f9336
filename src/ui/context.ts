import { createContext, useContext } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { StudioState } from '../store/studio.ts';

export const StudioContext = createContext<StoreApi<StudioState> | null>(null);

/** Reads a slice of the studio store; re-renders only when that slice changes. */
export function useStudio<T>(selector: (s: StudioState) => T): T {
  const store = useContext(StudioContext);
  if (!store) throw new Error('useStudio needs a <StudioContext.Provider>');
  return useStore(store, selector);
}
