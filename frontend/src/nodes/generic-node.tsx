import { Handle, type NodeProps, Position } from "@xyflow/react";
import { memo, useState } from "react";
import { useCatalogue } from "../api/catalogue";
import type { PortSpec } from "../api/types";
import { type KyraNode, portsOf } from "../lib/graph";
import { useEditorStore, useRunStore } from "../store/editor-context";
import { useQuickAdd } from "../editor/quick-add";
import { isDisabled, toggleDisabled, useRenaming } from "../canvas/node-actions";
import { useExecuteNode } from "../details/use-execute-node";
import { useStoreApis } from "../store/editor-context";
import { iconOf } from "./icons";
import { TriggerInfo } from "./trigger-info";

interface PortRowProps {
  nodeId: string;
  port: PortSpec;
  side: "in" | "out";
  quickAdd: ReturnType<typeof useQuickAdd>;
}

function PortRow({ nodeId, port, side, quickAdd }: PortRowProps) {
  const isError = side === "out" && port.name === "error";
  return (
    <div className={`port port-${side}${isError ? " port-error" : ""}`} title={port.description || undefined}>
      <Handle
        type={side === "in" ? "target" : "source"}
        position={side === "in" ? Position.Left : Position.Right}
        id={port.name}
        className={`handle handle-${port.type}`}
        data-port-type={port.type}
      />
      <span className="port-name">{port.name}</span>
      <span className="port-type">{port.type}</span>
      {side === "out" && quickAdd && (
        <button
          type="button"
          className="port-add nodrag nopan"
          aria-label={`Add a node after ${nodeId} ${port.name}`}
          title="Add a node here"
          onClick={(e) => {
            e.stopPropagation();
            quickAdd({ link: { from: { node: nodeId, port: port.name } } });
          }}
        >
          +
        </button>
      )}
    </div>
  );
}

/** Run, disable and delete, over the hovered node (mounted only there: one at a time). */
function NodeToolbar({ id, trigger, disabled }: { id: string; trigger: boolean; disabled: boolean }) {
  const { editor } = useStoreApis();
  const executor = useExecuteNode();
  return (
    <div className="node-toolbar nodrag nopan" role="toolbar" aria-label={`Actions of ${id}`}>
      {executor && (
        <button
          type="button"
          aria-label={`Execute ${id}`}
          title="Execute this node (with the data before it)"
          disabled={executor.busy || disabled}
          onClick={() => void executor.execute(id)}
        >
          ▶
        </button>
      )}
      {!trigger && (
        <button
          type="button"
          aria-label={`${disabled ? "Enable" : "Disable"} ${id}`}
          aria-pressed={disabled}
          title={disabled ? "Enable: run this node again" : "Disable: skip it, passing its input through"}
          onClick={() => toggleDisabled(editor, id)}
        >
          ⏻
        </button>
      )}
      <button
        type="button"
        className="danger"
        aria-label={`Delete ${id}`}
        title="Delete this node"
        onClick={() => editor.getState().removeNodes([id])}
      >
        🗑
      </button>
    </div>
  );
}

/** The node's name, edited in place when renaming (Enter keeps it, Escape cancels). */
function NodeName({ id, name, fallback }: { id: string; name: string | undefined; fallback: string }) {
  const { editor } = useStoreApis();
  const renaming = useRenaming((s) => s.nodeId === id);
  if (!renaming) return <>{name || fallback}</>;
  const done = (value: string | null) => {
    useRenaming.getState().stop();
    if (value !== null && value.trim() !== (name ?? ""))
      editor.getState().patchNode(id, { name: value.trim() || undefined });
  };
  return (
    <input
      className="node-rename nodrag nokey"
      aria-label={`Name of ${id}`}
      defaultValue={name || fallback}
      autoFocus
      onFocus={(e) => e.target.select()}
      onBlur={(e) => done(e.target.value)}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === "Enter") done(e.currentTarget.value);
        if (e.key === "Escape") done(null);
      }}
    />
  );
}

/** The one node component: header, status and typed ports, all derived from the node's spec. */
function GenericNode({ id, data, selected }: NodeProps<KyraNode>) {
  // The "+" buttons exist only on the node under the pointer or selected (not on 500 at once).
  const [hovered, setHovered] = useState(false);
  const spec = useCatalogue().specs.get(data.doc.type);
  const dynamicOutputs = useEditorStore((s) => s.dynamicPorts[id]);
  const errorCount = useEditorStore((s) => s.errors[id]?.length ?? 0);
  const status = useRunStore((s) => s.nodeRuns[id]?.status);
  const quickAdd = useQuickAdd();
  const adder = hovered || selected ? quickAdd : null;
  const pinned = useEditorStore((s) => !s.readOnly && s.meta.editor?.pinned?.[id] !== undefined);
  const disabled = isDisabled(data.doc.settings);
  const ports = portsOf(spec, dynamicOutputs);
  const rows = Math.max(ports.inputs.length, ports.outputs.length);
  return (
    <div
      className={`kyra-node${selected ? " is-selected" : ""}${status ? ` status-${status}` : ""}${spec ? "" : " is-unknown"}${disabled ? " is-disabled" : ""}`}
      data-node-type={data.doc.type}
      data-node-id={id}
      data-status={status}
      data-pinned={pinned || undefined}
      data-disabled={disabled || undefined}
      onMouseEnter={quickAdd ? () => setHovered(true) : undefined}
      onMouseLeave={quickAdd ? () => setHovered(false) : undefined}
    >
      {hovered && quickAdd && <NodeToolbar id={id} trigger={!!spec?.trigger} disabled={disabled} />}
      <div className="kyra-node-header">
        <span className="kyra-node-category">{spec?.category ?? "Unknown"}</span>
        <span
          className="kyra-node-title"
          onDoubleClick={
            quickAdd
              ? (e) => {
                  e.stopPropagation();
                  useRenaming.getState().start(id);
                }
              : undefined
          }
        >
          <span className="node-icon" aria-hidden="true">
            {iconOf(spec)}
          </span>{" "}
          <NodeName id={id} name={data.doc.name} fallback={spec?.title || data.doc.type} />
        </span>
        <span className="kyra-node-id">{id}</span>
        {status && (
          <span className={`status-badge status-${status}`} aria-label={`status ${status}`}>
            {status}
          </span>
        )}
        {disabled && (
          <span className="disabled-badge" title="Disabled: runs skip it and pass its input through">
            disabled
          </span>
        )}
        {pinned && (
          <span className="pin-badge" title="Output pinned: editor test runs use it instead of running this node">
            pinned
          </span>
        )}
        {errorCount > 0 && (
          <span className="error-badge" title="This node has validation errors">
            {errorCount} error{errorCount > 1 ? "s" : ""}
          </span>
        )}
      </div>
      {spec?.trigger && <TriggerInfo id={id} type={data.doc.type} receives={!!spec.receives} />}
      <div className="kyra-node-ports">
        {Array.from({ length: rows }, (_, i) => (
          <div className="port-line" key={i}>
            {ports.inputs[i] ? <PortRow nodeId={id} port={ports.inputs[i]} side="in" quickAdd={null} /> : <span />}
            {ports.outputs[i] ? <PortRow nodeId={id} port={ports.outputs[i]} side="out" quickAdd={adder} /> : <span />}
          </div>
        ))}
      </div>
    </div>
  );
}

/**
 * Re-rendered only when what it shows changes: xyflow also passes the measured size and the
 * position, which change for every node once measured and for the dragged node on every frame.
 */
function sameNode(a: NodeProps<KyraNode>, b: NodeProps<KyraNode>): boolean {
  return a.id === b.id && a.data === b.data && a.selected === b.selected;
}

export default memo(GenericNode, sameNode);
