/**
 * Pickers for parameters a node marks with `x-widget` in its params schema: models, providers,
 * saved agents, graphs and agent tools are chosen from what exists instead of typed by hand.
 */
import type { FieldProps, WidgetProps } from "@rjsf/utils";
import { useEffect, useState } from "react";
import { ToolPicker } from "../agents/agent-form";
import { api } from "../api/client";
import { platformApi } from "../api/platform";
import type { Agent, LlmModel, LlmProvider } from "../api/platform-types";
import type { GraphSummary } from "../api/types";

/** One request per list and page view, shared by every picker that needs it. */
const cache = new Map<string, Promise<unknown>>();

function useList<T>(key: string, fetcher: () => Promise<T[]>): T[] | null {
  const [items, setItems] = useState<T[] | null>(null);
  useEffect(() => {
    let promise = cache.get(key) as Promise<T[]> | undefined;
    if (!promise) {
      promise = fetcher().catch(() => [] as T[]);
      cache.set(key, promise);
      // Lists change (a provider added on the Models page): read them again next time.
      setTimeout(() => cache.delete(key), 30_000);
    }
    let live = true;
    void promise.then((list) => live && setItems(list));
    return () => {
      live = false;
    };
  }, [key, fetcher]);
  return items;
}

interface Option {
  value: string;
  label: string;
}

function SelectWidget({ props, options, empty }: { props: WidgetProps; options: Option[] | null; empty: Option }) {
  const value = typeof props.value === "string" ? props.value : "";
  const known = options?.some((o) => o.value === value) || value === empty.value;
  return (
    <select
      id={props.id}
      className="nodrag"
      value={value}
      disabled={props.disabled || props.readonly}
      onChange={(e) => props.onChange(e.target.value === "" ? props.options.emptyValue : e.target.value)}
    >
      <option value={empty.value}>{empty.label}</option>
      {!known && <option value={value}>{value}</option>}
      {(options ?? []).map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

export function ModelPicker(props: WidgetProps) {
  const models = useList<LlmModel>("models", platformApi.models);
  const options = models?.map((m) => ({ value: m.model_key, label: `${m.model_key} · ${m.provider}` })) ?? null;
  // Several providers may serve one key: list each key once.
  const unique = options?.filter((o, i) => options.findIndex((x) => x.value === o.value) === i) ?? null;
  return <SelectWidget props={props} options={unique} empty={{ value: "auto", label: "auto (Kyra chooses)" }} />;
}

export function ProviderPicker(props: WidgetProps) {
  const providers = useList<LlmProvider>("providers", platformApi.providers);
  const options = providers?.map((p) => ({ value: p.name, label: `${p.name} (${p.kind})` })) ?? null;
  return <SelectWidget props={props} options={options} empty={{ value: "", label: "any that serves the model" }} />;
}

export function AgentPicker(props: WidgetProps) {
  const agents = useList<Agent>("agents", platformApi.agents);
  const options = agents?.map((a) => ({ value: a.name, label: a.name })) ?? null;
  return <SelectWidget props={props} options={options} empty={{ value: "", label: "— an agent configured below —" }} />;
}

export function GraphPicker(props: WidgetProps) {
  const graphs = useList<GraphSummary>("graphs", api.listGraphs);
  const options = graphs?.map((g) => ({ value: g.id, label: g.name })) ?? null;
  return <SelectWidget props={props} options={options} empty={{ value: "", label: "— choose a graph —" }} />;
}

/** An agent node's tools, chosen like on the Agents page (node types and saved agents). */
export function ToolsField(props: FieldProps) {
  const agents = useList<Agent>("agents", platformApi.agents);
  const tools = Array.isArray(props.formData) ? (props.formData as string[]) : [];
  return (
    <ToolPicker
      tools={tools}
      agents={agents ?? []}
      self=""
      onChange={(next) => props.onChange(next, props.fieldPathId.path)}
    />
  );
}
