import { useCallback, useState } from "react";
import { platformApi } from "../api/platform";
import type { BudgetTier, Recommendation, UseCase } from "../api/platform-types";
import { formatPrice } from "../lib/analytics";
import { SectionState } from "../ui/section-state";
import { useLoad } from "../ui/use-load";

const USE_CASES: { value: UseCase; label: string }[] = [
  { value: "general", label: "General" },
  { value: "code_generation", label: "Code generation" },
  { value: "reasoning", label: "Reasoning" },
  { value: "multimodal", label: "Multimodal" },
];
const TIERS: { value: BudgetTier; label: string }[] = [
  { value: "low", label: "Low (< $0.01 per call)" },
  { value: "medium", label: "Medium" },
  { value: "high", label: "High" },
];

/** Recommended models for a use case and budget tier, with the server's explanation. */
export function Recommendations({ version }: { version: number }) {
  const [useCase, setUseCase] = useState<UseCase>("general");
  const [tier, setTier] = useState<BudgetTier>("medium");
  // `version` changes when prices change, so the list is fetched again.
  const fetcher = useCallback(() => platformApi.recommendations(useCase, tier), [useCase, tier, version]);
  const { data, error, loading } = useLoad<Recommendation[]>(fetcher);
  return (
    <section className="panel" aria-label="Recommendations">
      <div className="section-head">
        <h2>Recommendations</h2>
        <label className="field inline">
          <span>Use case</span>
          <select value={useCase} onChange={(e) => setUseCase(e.target.value as UseCase)}>
            {USE_CASES.map((u) => (
              <option key={u.value} value={u.value}>
                {u.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Budget</span>
          <select value={tier} onChange={(e) => setTier(e.target.value as BudgetTier)}>
            {TIERS.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <SectionState what="Recommendations" error={error} loading={loading && !data} />
      {data && data.length === 0 && <p className="muted">No model fits this use case and budget.</p>}
      {data && data.length > 0 && (
        <ol className="recommendations" data-testid="recommendations">
          {data.map((r) => (
            <li key={`${r.provider}/${r.model}`}>
              <strong>{r.model}</strong> <span className="muted">({r.provider})</span> · score {r.score.toFixed(3)} ·
              typical call {formatPrice(r.typical_call_usd)}
              <div className="muted small">{r.explanation}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
