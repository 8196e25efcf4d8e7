import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from "@xyflow/react";
import { memo } from "react";
import { useEdgeHover } from "../canvas/edge-hover";
import { useQuickAdd } from "../editor/quick-add";

/** A connection: a bezier curve with a "+" at its middle (on hover or selection) to insert a node. */
function KyraEdge(props: EdgeProps) {
  const { id, source, target, selected, markerEnd, style } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  const quickAdd = useQuickAdd();
  const hovered = useEdgeHover((s) => s.edge === id);
  const { enter, leave } = useEdgeHover.getState();
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} />
      {quickAdd && (hovered || selected) && (
        <EdgeLabelRenderer>
          <button
            type="button"
            className="edge-add nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            aria-label={`Add a node between ${source} and ${target}`}
            title="Add a node on this connection"
            onMouseEnter={() => enter(id)}
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
