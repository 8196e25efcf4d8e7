import "@xyflow/react/dist/style.css";
import "./styles.css";
import "./pages.css";
import "./theme.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { watchSystemTheme } from "./ui/theme";

watchSystemTheme();

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
