import { createContext, type ReactNode, useContext } from "react";
import { useStore } from "zustand";
import type { EditorStore, EditorStoreApi } from "./editor-store";
import type { RunStore, RunStoreApi } from "./run-store";

interface Stores {
  editor: EditorStoreApi;
  run: RunStoreApi;
}

const StoresContext = createContext<Stores | null>(null);

export function EditorStoresProvider({ editor, run, children }: Stores & { children: ReactNode }) {
  return <StoresContext.Provider value={{ editor, run }}>{children}</StoresContext.Provider>;
}

function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error("useEditorStore must be used within EditorStoresProvider");
  return stores;
}

/** Select from the editor store of the surrounding editor; wrap object selectors in `useShallow`. */
export function useEditorStore<T>(selector: (s: EditorStore) => T): T {
  return useStore(useStores().editor, selector);
}

/** Select from the run store of the surrounding editor. */
export function useRunStore<T>(selector: (s: RunStore) => T): T {
  return useStore(useStores().run, selector);
}

/** The raw store APIs, for event handlers that read state without subscribing. */
export function useStoreApis(): Stores {
  return useStores();
}
