import { useReactFlow } from "@xyflow/react";
import { type DragEvent, useCallback } from "react";
import { useStoreApis } from "../store/editor-context";

export const DRAG_MIME = "application/kyra-node";

/** Drop handlers for the canvas: a palette entry dropped on it becomes a node at the pointer. */
export function useDragAndDrop() {
  const { screenToFlowPosition } = useReactFlow();
  const { editor } = useStoreApis();

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(DRAG_MIME);
      if (!type || editor.getState().readOnly) return;
      event.preventDefault();
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      editor.getState().addNode(type, { x: position.x - 90, y: position.y - 20 });
    },
    [screenToFlowPosition, editor],
  );

  return { onDragOver, onDrop };
}
