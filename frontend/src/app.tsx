import { lazy, Suspense, useEffect, useState } from "react";
import { SignIn } from "./auth/sign-in";
import { CatalogueProvider } from "./api/catalogue";
import { api, ApiError, getApiKey, onUnauthorized, setApiKey } from "./api/client";
import type { Me } from "./api/types";
import { useEditorKey } from "./editor/editor-key";
import { EditorPage } from "./editor/editor-page";
import { GraphList } from "./graphs/graph-list";
import { RunView } from "./runs/run-view";
import { RunsPage } from "./runs/runs-page";
import { Link } from "./ui/link";
import { type Route, useRoute } from "./ui/router";
import { type ThemeChoice, setThemeChoice, useThemeChoice } from "./ui/theme";
import { Toasts } from "./ui/toasts";

// The platform pages load on first visit; charts (recharts) only with Models & costs.
const ModelsPage = lazy(() => import("./models/models-page"));
const AgentsPage = lazy(() => import("./agents/agents-page").then((m) => ({ default: m.AgentsPage })));
const CredentialsPage = lazy(() =>
  import("./credentials/credentials-page").then((m) => ({ default: m.CredentialsPage })),
);
const TeamPage = lazy(() => import("./operations/team-page").then((m) => ({ default: m.TeamPage })));
const TriggersPage = lazy(() => import("./operations/triggers-page").then((m) => ({ default: m.TriggersPage })));
const NodeDocsPage = lazy(() => import("./docs/node-docs-page").then((m) => ({ default: m.NodeDocsPage })));
const AllRunsPage = lazy(() => import("./runs/all-runs-page").then((m) => ({ default: m.AllRunsPage })));

const NAV: { to: string; label: string; pages: Route["page"][] }[] = [
  { to: "/", label: "Graphs", pages: ["graphs", "editor", "new", "runs"] },
  { to: "/runs", label: "Runs", pages: ["all-runs", "run"] },
  { to: "/agents", label: "Agents", pages: ["agents"] },
  { to: "/credentials", label: "Credentials", pages: ["credentials"] },
  { to: "/triggers", label: "Schedules & webhooks", pages: ["triggers"] },
  { to: "/models", label: "Models & costs", pages: ["models"] },
  { to: "/team", label: "Users & keys", pages: ["team"] },
];

function ThemeSelect() {
  const choice = useThemeChoice();
  return (
    <select
      className="theme-select"
      aria-label="Theme"
      value={choice}
      onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}
    >
      <option value="system">Theme: system</option>
      <option value="light">Theme: light</option>
      <option value="dark">Theme: dark</option>
    </select>
  );
}

function Nav() {
  const route = useRoute();
  return (
    <nav className="main-nav" aria-label="Main">
      {NAV.map((n) => (
        <Link key={n.to} to={n.to} className={n.pages.includes(route.page) ? "active" : undefined}>
          {n.label}
        </Link>
      ))}
    </nav>
  );
}

type Auth = { state: "checking" } | { state: "signed-out"; notice?: string } | { state: "signed-in"; me: Me };

function Pages({ me }: { me: Me }) {
  const route = useRoute();
  const editorGraphId = route.page === "editor" ? route.graphId : null;
  const editorKey = useEditorKey(route.page === "editor" || route.page === "new", editorGraphId);
  switch (route.page) {
    case "graphs":
      return <GraphList />;
    case "new":
    case "editor":
      return <EditorPage key={editorKey} graphId={editorGraphId} />;
    case "runs":
      return <RunsPage key={route.graphId} graphId={route.graphId} />;
    case "run":
      return <RunView key={route.runId} runId={route.runId} />;
    case "all-runs":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <AllRunsPage />
        </Suspense>
      );
    case "agents":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <AgentsPage agentId={route.agentId} />
        </Suspense>
      );
    case "credentials":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <CredentialsPage />
        </Suspense>
      );
    case "team":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <TeamPage me={me} />
        </Suspense>
      );
    case "triggers":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <TriggersPage />
        </Suspense>
      );
    case "models":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <ModelsPage />
        </Suspense>
      );
    case "node-docs":
      return (
        <Suspense fallback={<p className="page-message">Loading…</p>}>
          <NodeDocsPage type={route.type} />
        </Suspense>
      );
    default:
      return (
        <main className="page">
          <h1>Not found</h1>
          <Link to="/">Back to graphs</Link>
        </main>
      );
  }
}

export function App() {
  const [auth, setAuth] = useState<Auth>(() => (getApiKey() ? { state: "checking" } : { state: "signed-out" }));

  useEffect(() => {
    if (auth.state !== "checking") return;
    api.me().then(
      (me) => setAuth({ state: "signed-in", me }),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setApiKey(null);
        setAuth({
          state: "signed-out",
          notice:
            e instanceof ApiError && e.status === 401
              ? "Your API key is no longer valid."
              : "Could not reach the server.",
        });
      },
    );
  }, [auth.state]);

  useEffect(
    () =>
      onUnauthorized(() => {
        setApiKey(null);
        setAuth({ state: "signed-out", notice: "Your session ended; sign in again." });
      }),
    [],
  );

  if (auth.state === "checking") return <p className="page-message">Signing in…</p>;
  if (auth.state === "signed-out") {
    return (
      <>
        <SignIn
          notice={auth.notice}
          onSignedIn={(key, me) => {
            setApiKey(key);
            setAuth({ state: "signed-in", me });
          }}
        />
        <Toasts />
      </>
    );
  }
  return (
    <div className="app">
      <header className="app-header">
        <Link to="/" className="brand">
          Kyra Flow
        </Link>
        <Nav />
        <span className="spacer" />
        <ThemeSelect />
        <span className="muted">{auth.me.name}</span>
        <button
          type="button"
          className="link"
          onClick={() => {
            setApiKey(null);
            setAuth({ state: "signed-out" });
          }}
        >
          Sign out
        </button>
      </header>
      <CatalogueProvider>
        <Pages me={auth.me} />
      </CatalogueProvider>
      <Toasts />
    </div>
  );
}
