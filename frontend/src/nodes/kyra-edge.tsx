import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from "@xyflow/react";
import { memo, useRef, useState } from "react";
import { useQuickAdd } from "../editor/quick-add";

/** How long the "+" stays after the pointer leaves the edge (time to reach the button). */
const HIDE_MS = 250;

/** A connection: a bezier curve with a "+" at its middle (on hover or selection) to insert a node. */
function KyraEdge(props: EdgeProps) {
  const { id, selected, markerEnd, style } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  const quickAdd = useQuickAdd();
  const [hover, setHover] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const enter = () => {
    clearTimeout(timer.current);
    setHover(true);
  };
  const leave = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setHover(false), HIDE_MS);
  };
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} />
      {quickAdd && (
        <path d={path} fill="none" strokeOpacity={0} strokeWidth={24} onMouseEnter={enter} onMouseLeave={leave} />
      )}
      {quickAdd && (hover || selected) && (
        <EdgeLabelRenderer>
          <button
            type="button"
            className="edge-add nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            aria-label="Add a node on this connection"
            title="Add a node on this connection"
            onMouseEnter={enter}
            onMouseLeave={leave}
            onClick={() => quickAdd({ link: { edgeId: id } })}
          >
            +
          </button>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export default memo(KyraEdge);
