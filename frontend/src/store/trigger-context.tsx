import { createContext, type ReactNode, useContext } from "react";
import { useStore } from "zustand";
import { createTriggerStore, type TriggerStore, type TriggerStoreApi } from "./trigger-store";

const TriggerContext = createContext<TriggerStoreApi | null>(null);
/** Stands in where no editor provides trigger facts (the read-only run view). */
const EMPTY = createTriggerStore();

/** Provide an editor's trigger store to its nodes and inspector. */
export function TriggerStoreProvider({ store, children }: { store: TriggerStoreApi; children: ReactNode }) {
  return <TriggerContext.Provider value={store}>{children}</TriggerContext.Provider>;
}

/** Select from the surrounding editor's trigger store (an empty one outside an editor). */
export function useTriggerStore<T>(selector: (s: TriggerStore) => T): T {
  return useStore(useContext(TriggerContext) ?? EMPTY, selector);
}

/** The raw trigger store of the surrounding editor, or null outside one. */
export function useTriggerStoreApi(): TriggerStoreApi | null {
  return useContext(TriggerContext);
}
