import { useEffect, useState } from "react";
import { platformApi } from "../api/platform";
import type { LlmModel } from "../api/platform-types";
import { useLoad } from "../ui/use-load";
import { ModelCatalogue } from "./model-catalogue";
import { ProvidersSection } from "./providers-section";
import { Recommendations } from "./recommendations";
import { UsageCharts } from "./usage-charts";

/** Models & costs: providers, the priced model catalogue, recommendations and cost analytics. */
export default function ModelsPage() {
  const models = useLoad<LlmModel[]>(platformApi.models);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    document.title = "Models & costs · Kyra Flow";
  }, []);
  const changed = () => {
    models.reload();
    setVersion((v) => v + 1);
  };
  return (
    <main className="page models-page">
      <div className="page-head">
        <h1>Models &amp; costs</h1>
      </div>
      <ModelCatalogue
        models={models.data}
        error={models.error}
        loading={models.loading}
        onChanged={changed}
        version={version}
      />
      <Recommendations version={version} />
      <ProvidersSection onChanged={changed} />
      <UsageCharts />
    </main>
  );
}
