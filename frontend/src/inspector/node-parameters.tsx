import { lazy, Suspense, useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useCatalogue } from "../api/catalogue";
import { api } from "../api/client";
import type { JsonObject, NodeSpec } from "../api/types";
import { isKyraNode, type KyraNodeData } from "../lib/graph";
import { useEditorStore } from "../store/editor-context";
import { TriggerSection } from "./trigger-section";
import { useSampleData } from "./use-sample-data";

const ParamsForm = lazy(() => import("./params-form"));

interface NumberSettingProps {
  label: string;
  value: unknown;
  placeholder?: number;
  onChange: (v: number | undefined) => void;
  readOnly: boolean;
}

function CheckSetting(props: {
  label: string;
  title: string;
  checked: boolean;
  readOnly: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <label className="field inline" title={props.title}>
      <input
        type="checkbox"
        className="nodrag"
        checked={props.checked}
        disabled={props.readOnly}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}

function NumberSetting({ label, value, placeholder, onChange, readOnly }: NumberSettingProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        min={0}
        className="nodrag"
        value={typeof value === "number" ? value : ""}
        placeholder={placeholder === undefined ? undefined : `default ${placeholder}`}
        readOnly={readOnly}
        onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
      />
    </label>
  );
}

function CredentialsMapping({
  id,
  spec,
  data,
  readOnly,
}: {
  id: string;
  spec: NodeSpec;
  data: KyraNodeData;
  readOnly: boolean;
}) {
  const patchNode = useEditorStore((s) => s.patchNode);
  const [available, setAvailable] = useState<{ id: string; name: string; kind: string }[] | null>(null);
  useEffect(() => {
    if (!spec.credentials.length) return;
    api.credentials().then(setAvailable, () => setAvailable([]));
  }, [spec]);
  if (!spec.credentials.length) return null;
  const current = data.doc.credentials ?? {};
  return (
    <fieldset className="inspector-section">
      <legend>Credentials</legend>
      {spec.credentials.map((c) => (
        <label className="field" key={c.kind}>
          <span>
            {c.kind}
            {c.required ? " *" : ""}
          </span>
          <select
            className="nodrag"
            value={current[c.kind] ?? ""}
            disabled={readOnly}
            onChange={(e) => {
              const next = { ...current };
              if (e.target.value) next[c.kind] = e.target.value;
              else delete next[c.kind];
              patchNode(id, { credentials: Object.keys(next).length ? next : undefined });
            }}
          >
            <option value="">— none —</option>
            {(available ?? [])
              .filter((a) => a.kind === c.kind)
              .map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
          </select>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * A node's form: its validation errors, name, parameters (with autocomplete of sample data and
 * live previews), credentials and execution settings. Shown in the inspector and in node details.
 */
export function NodeParameters({ id }: { id: string }) {
  const { specs } = useCatalogue();
  const data = useEditorStore((s) => {
    const n = s.nodes.find((x) => x.id === id);
    return n && isKyraNode(n) ? n.data : null;
  });
  const { readOnly, errors } = useEditorStore(useShallow((s) => ({ readOnly: s.readOnly, errors: s.errors[id] })));
  const { setParams, patchNode } = useEditorStore(
    useShallow((s) => ({ setParams: s.setParams, patchNode: s.patchNode })),
  );
  const sample = useSampleData(id);
  if (!data) return null;
  const spec = specs.get(data.doc.type);
  const settings = data.doc.settings ?? {};
  const setSetting = (key: string, v: number | boolean | undefined) => {
    const next: JsonObject = { ...settings };
    if (v === undefined) delete next[key];
    else next[key] = v;
    patchNode(id, { settings: Object.keys(next).length ? next : undefined });
  };

  return (
    <div className="node-parameters">
      {errors && errors.length > 0 && (
        <ul className="field-errors" role="alert">
          {errors.map((e, i) => (
            <li key={i}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      <label className="field">
        <span>Node name</span>
        <input
          className="nodrag"
          value={data.doc.name ?? ""}
          placeholder={spec?.title ?? data.doc.type}
          readOnly={readOnly}
          onChange={(e) => patchNode(id, { name: e.target.value })}
        />
      </label>
      <p className="muted small">
        Id <code>{id}</code> — reference its output as <code>{`{{ nodes.${id}.output }}`}</code>
      </p>
      {spec?.trigger && <TriggerSection id={id} type={data.doc.type} polls={!!spec.polls} receives={!!spec.receives} />}
      {spec ? (
        <Suspense fallback={<p className="muted">Loading form…</p>}>
          <ParamsForm
            key={id}
            spec={spec}
            params={data.doc.params ?? {}}
            errors={errors}
            suggestions={sample.suggestions}
            previewContext={sample.context}
            readOnly={readOnly}
            onChange={(p) => setParams(id, p)}
          />
        </Suspense>
      ) : (
        <p role="alert">Unknown node type {data.doc.type}.</p>
      )}
      {spec && <CredentialsMapping id={id} spec={spec} data={data} readOnly={readOnly} />}
      <fieldset className="inspector-section">
        <legend>Execution</legend>
        <NumberSetting
          label="Retries"
          value={settings.retries}
          placeholder={spec?.retries}
          readOnly={readOnly}
          onChange={(v) => setSetting("retries", v)}
        />
        <NumberSetting
          label="Retry backoff (s)"
          value={settings.retry_backoff_s}
          readOnly={readOnly}
          onChange={(v) => setSetting("retry_backoff_s", v)}
        />
        <NumberSetting
          label="Timeout (s)"
          value={settings.timeout_s}
          placeholder={spec?.timeout_s}
          readOnly={readOnly}
          onChange={(v) => setSetting("timeout_s", v)}
        />
        {!spec?.trigger && (
          <>
            <CheckSetting
              label="Requires approval (human in the loop)"
              title="The run pauses before this node until someone approves or rejects it"
              checked={settings.requires_approval === true}
              readOnly={readOnly}
              onChange={(on) => setSetting("requires_approval", on || undefined)}
            />
            <CheckSetting
              label="Disabled (passes its input through)"
              title="Runs skip this node and pass its input through unchanged"
              checked={settings.disabled === true}
              readOnly={readOnly}
              onChange={(on) => setSetting("disabled", on || undefined)}
            />
          </>
        )}
      </fieldset>
    </div>
  );
}
