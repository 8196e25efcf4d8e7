import { create } from "zustand";

/** How long an edge's "+" stays after the pointer leaves the edge (time to reach the button). */
const HIDE_MS = 250;

interface EdgeHover {
  /** The edge under the pointer (or whose "+" is), showing its insert button. */
  edge: string | null;
  enter: (edge: string) => void;
  leave: () => void;
}

let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * The hovered edge, kept outside the canvas state so that hovering re-renders two edges, not the
 * graph; one store serves the one canvas shown at a time.
 */
export const useEdgeHover = create<EdgeHover>()((set) => ({
  edge: null,
  enter: (edge) => {
    clearTimeout(timer);
    set({ edge });
  },
  leave: () => {
    clearTimeout(timer);
    timer = setTimeout(() => set({ edge: null }), HIDE_MS);
  },
}));
