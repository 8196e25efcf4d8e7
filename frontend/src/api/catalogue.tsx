import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import type { NodeSpec } from "./types";
import { api } from "./client";

export interface Catalogue {
  list: NodeSpec[];
  specs: ReadonlyMap<string, NodeSpec>;
}

const CatalogueContext = createContext<Catalogue | null>(null);

export function CatalogueProvider({ children }: { children: ReactNode }) {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    api
      .nodes()
      .then((list) => {
        if (!cancelled) setCatalogue({ list, specs: new Map(list.map((s) => [s.type, s])) });
      })
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
    };
  }, []);
  if (error)
    return (
      <p className="page-message" role="alert">
        Could not load the node catalogue: {error}
      </p>
    );
  if (!catalogue) return <p className="page-message">Loading node catalogue…</p>;
  return <CatalogueContext.Provider value={catalogue}>{children}</CatalogueContext.Provider>;
}

/** The node catalogue served by `GET /api/nodes`. */
export function useCatalogue(): Catalogue {
  const c = useContext(CatalogueContext);
  if (!c) throw new Error("useCatalogue must be used within CatalogueProvider");
  return c;
}
