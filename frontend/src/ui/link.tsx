import type { ReactNode } from "react";
import { navigate } from "./router";

/** An anchor that navigates client-side (and still opens in a new tab with Ctrl/Cmd-click). */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
