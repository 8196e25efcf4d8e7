/** Light or dark: the system's setting by default, or the user's choice kept in this browser. */

import { useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "kyra.theme";
const query = () => window.matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set<() => void>();

export function themeChoice(): ThemeChoice {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

/** Set `data-theme` on the page from the choice and the system setting. */
export function applyTheme(): void {
  const choice = themeChoice();
  const dark = choice === "dark" || (choice === "system" && query().matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function setThemeChoice(choice: ThemeChoice): void {
  if (choice === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  applyTheme();
  for (const l of listeners) l();
}

/** Follow the system setting while the choice is "system". */
export function watchSystemTheme(): void {
  applyTheme();
  query().addEventListener("change", applyTheme);
}

export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore((cb) => {
    listeners.add(cb);
    return () => listeners.delete(cb);
  }, themeChoice);
}
